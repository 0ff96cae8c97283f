/**
 * Fleet operations in a real browser (Debian's Chromium through playwright-core): the overview's attention
 * strip shows the Faulted connector; an operator selects stations in the table, runs a command on them and
 * follows the job's page as each station's outcome comes in, then retries the one that failed once it is
 * back; an admin puts a tag on the managed local list; a viewer gets no selection. Screenshots go to
 * test-artifacts/.
 */
import { assert, assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import {
  createUser,
  launch,
  logIn,
  openPage,
  shot,
  signedInPage,
  SKIP_REASON,
  skipBrowser,
} from "./helpers/browser.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const OPERATOR = { username: "olga", password: "operator-password-1" };
const VIEWER = { username: "vera", password: "viewer-password-1" };

Deno.test({
  name:
    `dashboard: select stations on the overview, run a command on them, follow the job live, retry${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer({ FLEET_POLL_MS: "50", CALL_TIMEOUT_MS: "15000" });
    let browser: Browser | undefined;
    const stations: Station[] = [];
    const errors: string[] = [];
    const resets: string[] = [];
    // The first resets wait until the page has shown the job running: on a loaded machine the job could
    // otherwise finish before the page loads, and "running" would never be seen.
    let releaseResets!: () => void;
    const resetsReleased = new Promise<void>((resolve) => releaseResets = resolve);
    const connect = async (id: string) => {
      const station = await connectStation(server.wsUrl, id);
      station.handle("Reset", async ({ params }) => {
        assertEquals(params, { type: "Soft" });
        await resetsReleased;
        resets.push(id);
        return { status: "Accepted" };
      });
      stations.push(station);
      return station;
    };
    try {
      await createUser(server, OPERATOR, "operator");
      await createUser(server, VIEWER, "viewer");
      for (const id of ["CP-UI-1", "CP-UI-2", "CP-UI-3"]) await connect(id);
      // CP-UI-3 goes away (it will miss the command); CP-UI-1 has a Faulted connector (an alert).
      await closeStation(stations.pop()!);
      await stations[0]!.call("StatusNotification", {
        connectorId: 1,
        status: "Faulted",
        errorCode: "OverCurrentFailure",
      });

      browser = await launch();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await openPage(context, errors);
      await logIn(page, server.url, OPERATOR);
      await page.locator('.table-meta [data-live="true"]').waitFor();
      // The Faulted connector is in the attention strip (the dashboard's alerts), and in the alerts API.
      await page.locator('[data-attention="faulted"][data-count="1"]').waitFor();
      const alerts = await server.json("/api/v1/alerts", { as: "viewer" });
      assertEquals(alerts.body.items.map((a: { chargePointId: string }) => a.chargePointId), ["CP-UI-1"]);

      // Select two online stations and the offline one, and run a Soft reset on them.
      for (const id of ["CP-UI-1", "CP-UI-2", "CP-UI-3"]) await page.getByLabel(`Select ${id}`).check();
      await page.locator("[data-selected-count]").getByText("3").waitFor();
      // Nothing is picked for the operator (it offered Reset Hard): no command, nothing to run.
      assertEquals(await page.getByLabel("Command").inputValue(), "");
      assert(await page.getByRole("button", { name: "Run on 3 stations" }).isDisabled());
      await page.getByLabel("Command").selectOption("Reset");
      await page.getByLabel("Payload (JSON)").fill('{"type":"Soft"}');
      await page.getByLabel("At once").fill("2");
      await shot(page, "fleet-selection");
      // Asked first; cancelled, nothing runs.
      const asked: string[] = [];
      page.once("dialog", (dialog) => void (asked.push(dialog.message()), dialog.dismiss()));
      await page.getByRole("button", { name: "Run on 3 stations" }).click();
      await eventually(() => asked.length === 1, 5000, "the run is confirmed first");
      assertEquals(asked, ['Run OCPP 1.6 Reset {"type":"Soft"} on 3 stations?']);
      assertEquals((await server.json("/api/v1/jobs", { as: "viewer" })).body.items, []);
      page.once("dialog", (dialog) => void dialog.accept());
      await page.getByRole("button", { name: "Run on 3 stations" }).click();
      await page.waitForURL(/\/jobs\/[^/]+$/);
      // Live: running first, then finished with each station's outcome, without a reload.
      await page.locator('[data-job-state="running"]').waitFor();
      releaseResets();
      await page.locator('[data-job-state="finished"]').waitFor();
      assertEquals(await page.locator('[data-task="CP-UI-1"]').getAttribute("data-outcome"), "accepted");
      assertEquals(await page.locator('[data-task="CP-UI-2"]').getAttribute("data-outcome"), "accepted");
      assertEquals(await page.locator('[data-task="CP-UI-3"]').getAttribute("data-outcome"), "not_connected");
      assertEquals(await page.locator('[data-outcome-count="accepted"] .stat').textContent(), "2");
      await shot(page, "fleet-job");
      assertEquals(resets.sort(), ["CP-UI-1", "CP-UI-2"]);

      // CP-UI-3 is back: retry sends it the command, and only it.
      await connect("CP-UI-3");
      await page.getByRole("button", { name: "Retry the 1 failed" }).click();
      await eventually(
        async () => (await page.locator('[data-task="CP-UI-3"]').getAttribute("data-outcome")) === "accepted",
        8000,
        "CP-UI-3 accepted after the retry",
      );
      await page.locator('[data-job-state="finished"]').waitFor();
      assertEquals(resets.sort(), ["CP-UI-1", "CP-UI-2", "CP-UI-3"]);

      // The jobs page lists it.
      await page.getByRole("link", { name: "Jobs" }).click();
      await page.waitForURL(`${server.url}/jobs`);
      assertEquals(await page.locator("tr[data-job]").count(), 1);

      // An admin puts a tag on the managed local list from the id tags page.
      await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "TAG-UI" } });
      const admin = await signedInPage(browser, server.url, ADMIN, errors);
      await admin.goto(`${server.url}/id-tags`);
      await admin.getByLabel("TAG-UI on the local list").check();
      await admin.getByText("TAG-UI put on the local list").waitFor();
      // Its row's cells end on one line (the actions cell, laid out as a flex box, stopped short of it).
      const bottoms = await admin.locator("tr", { hasText: "TAG-UI" }).last().evaluate((row) =>
        [...row.children].map((cell) => Math.round(cell.getBoundingClientRect().bottom))
      );
      assertEquals(new Set(bottoms).size, 1, `cell bottoms ${bottoms}`);
      assertEquals((await server.json("/api/v1/local-list", { as: "viewer" })).body.members, ["TAG-UI"]);

      // A viewer sees the stations but cannot select them.
      const viewer = await signedInPage(browser, server.url, VIEWER, errors);
      await viewer.locator("tr[data-station]").first().waitFor();
      assertEquals(await viewer.getByLabel("Select CP-UI-1").count(), 0);
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      for (const station of stations) await closeStation(station).catch(() => {});
      await server.close();
    }
  },
});

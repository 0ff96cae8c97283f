/**
 * `deno task simulate` against the server, and every one-click command of a station's page driven through the
 * dashboard in Chromium: Remote start (the transaction it created linked), Remote stop, Unlock connector, Soft
 * reset and Hard reset (the virtual station reboots), and the commands panel's default (GetConfiguration);
 * then an admin starts virtual stations from the dashboard's own button and stops them. Screenshots in
 * test-artifacts/.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser, Page } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { createUser, launch, logIn, openPage, shot, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { eventually } from "./helpers/server.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const OPERATOR = { username: "olga", password: "operator-password-1" };

/** `deno task simulate ...` as a child process, its output kept. */
function simulate(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "simulate", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  return {
    async stop(): Promise<string> {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const out = await output;
      return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    },
  };
}

/** Clicks a one-click action and waits for its answer's badge. */
async function oneClick(page: Page, button: string, badge: string): Promise<void> {
  await page.getByRole("button", { name: button, exact: true }).click();
  const outcome = page.locator(".quick-actions [data-command-outcome]");
  await outcome.waitFor();
  assertEquals(await outcome.locator("[data-badge]").innerText(), badge, button);
}

async function connectorStatus(page: Page, connectorId: number): Promise<string | null> {
  return await page.locator(`table.connectors tr[data-connector="${connectorId}"]`).getAttribute(
    "data-status",
  );
}

Deno.test({
  name:
    `deno task simulate: every one-click command of the station page works against a virtual station; an admin starts and stops virtual stations from the dashboard${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer({ CALL_TIMEOUT_MS: "10000" });
    const sim = simulate([
      "--url",
      server.wsUrl,
      "--stations",
      "2",
      "--prefix",
      "SIM-",
      "--meter-interval",
      "1",
      "--seed",
      "16",
      "--log-level",
      "warn",
    ]);
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      assertEquals(
        (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "CARD-OK" } })).status,
        201,
      );
      await eventually(
        async () => {
          const { body } = await server.json("/api/v1/charge-points?online=true");
          return body.items.filter((s: { registrationStatus: string }) => s.registrationStatus === "Accepted")
            .length === 2;
        },
        20_000,
        "both virtual stations accepted",
      );

      browser = await launch();
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await openPage(context, errors);
      page.on("dialog", (d) => void d.accept());
      await logIn(page, server.url, OPERATOR);
      await page.locator('tr[data-station="SIM-1"] [data-online="true"]').waitFor();
      assertStringIncludes(await page.locator('tr[data-station="SIM-1"]').innerText(), "VirtualCharge VC-22");
      await shot(page, "simulated-overview");

      await page.locator('tr[data-station="SIM-1"]').getByRole("link", { name: "SIM-1" }).click();
      await page.waitForURL(`${server.url}/stations/SIM-1`);
      await page.locator('.card-head [data-live="true"]').first().waitFor();
      await page.locator('table.connectors tr[data-connector="1"][data-status="Available"]').waitFor();

      // Remote start: the id tag is suggested; the answer and the transaction it created are shown.
      const suggested = await page.locator("#console-id-tags option").evaluateAll((o) =>
        o.map((e) => (e as HTMLOptionElement).value)
      );
      assertEquals(suggested, ["CARD-OK"]);
      await page.locator('select[name="startConnector"]').selectOption("1");
      await page.getByLabel("Id tag").first().fill("CARD-OK");
      await oneClick(page, "Remote start", "Accepted");
      const started = page.locator(".quick-actions [data-started-transaction]");
      await started.waitFor({ timeout: 15_000 });
      const transactionId = Number(await started.getAttribute("data-started-transaction"));
      assert(transactionId > 0);
      await page.locator('table.connectors tr[data-connector="1"][data-status="Charging"]').waitFor();
      await shot(page, "simulated-remote-start");

      // The link leads to the live transaction; its energy grows as the virtual meter runs.
      await started.getByRole("link").click();
      await page.waitForURL(`${server.url}/transactions/${transactionId}`);
      await page.locator('[data-chart="energy"][data-points]').waitFor({ timeout: 15_000 });
      const before = Number(await page.locator('[data-chart="energy"]').getAttribute("data-points"));
      await eventually(
        async () => Number(await page.locator('[data-chart="energy"]').getAttribute("data-points")) > before,
        15_000,
        "a new reading appended",
      );
      await page.goBack();
      await page.waitForURL(`${server.url}/stations/SIM-1`);
      await page.locator('.card-head [data-live="true"]').first().waitFor();

      // Remote stop of that transaction.
      await page.locator('select[name="transactionId"]').selectOption(String(transactionId));
      await oneClick(page, "Remote stop", "Accepted");
      await eventually(
        async () => (await server.json(`/api/v1/transactions/${transactionId}`)).body.status === "finished",
        15_000,
        "the transaction finished",
      );
      await eventually(
        async () => (await connectorStatus(page, 1)) !== "Charging",
        15_000,
        "connector 1 no longer charging",
      );

      // Unlock connector 2.
      await page.locator('select[name="unlockConnector"]').selectOption("2");
      await oneClick(page, "Unlock connector", "Unlocked");

      // The commands panel opens on reading the configuration; its answer lands in the configuration card.
      assertEquals(await page.locator('select[name="action"]').inputValue(), "GetConfiguration");
      await page.getByRole("button", { name: "Send: Get configuration" }).click();
      await page.locator('[data-command-result="ok"] [data-badge]').waitFor();
      assertEquals(await page.locator('[data-command-result="ok"] [data-badge]').innerText(), "Answered");

      // Soft and hard reset: the station accepts, goes away and comes back.
      for (const [button, type] of [["Soft reset", "Soft"], ["Hard reset", "Hard"]] as const) {
        await oneClick(page, button, "Accepted");
        await page.locator('.card-head [data-online="false"]').waitFor({ timeout: 15_000 });
        await page.locator('.card-head [data-online="true"]').waitFor({ timeout: 20_000 });
        const log = (await server.json("/api/v1/charge-points/SIM-1/commands?limit=20")).body.items;
        assert(
          log.some((e: { action: string; payload: { type?: string } }) =>
            e.action === "Reset" && e.payload.type === type
          ),
          `${type} reset in the command log`,
        );
      }
      await shot(page, "simulated-station");
      const commands = (await server.json("/api/v1/charge-points/SIM-1/commands?limit=50")).body.items
        .map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`);
      for (
        const expected of [
          "RemoteStartTransaction:accepted",
          "RemoteStopTransaction:accepted",
          "UnlockConnector:accepted",
          "GetConfiguration:accepted",
          "Reset:accepted",
        ]
      ) assert(commands.includes(expected), `${expected} in ${commands}`);
      await context.close();

      // An admin starts virtual stations from the dashboard and stops them.
      const adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const admin = await openPage(adminContext, errors);
      admin.on("dialog", (d) => void d.accept());
      await logIn(admin, server.url, ADMIN);
      await admin.goto(`${server.url}/admin/simulator`);
      const form = admin.getByRole("form", { name: "Start virtual stations" });
      await form.getByLabel(/Stations/).fill("3");
      await form.getByLabel("Id prefix").fill("VS-");
      await form.getByRole("button", { name: "Start virtual stations" }).click();
      await admin.locator('[data-simulator="running"]').waitFor();
      await admin.locator("[data-states]", { hasText: "3 accepted" }).waitFor({ timeout: 15_000 });
      await shot(admin, "admin-simulator");
      await admin.goto(`${server.url}/?search=VS-`);
      for (const id of ["VS-1", "VS-2", "VS-3"]) {
        await admin.locator(`tr[data-station="${id}"] [data-online="true"]`).waitFor();
      }
      await admin.goto(`${server.url}/admin/simulator`);
      await admin.getByRole("button", { name: "Stop them" }).click();
      await admin.getByRole("form", { name: "Start virtual stations" }).waitFor();
      await eventually(() => !server.registry.isConnected("VS-1"), 10_000, "virtual stations gone");
      // Above the cap the API says why.
      const tooMany = await server.json("/api/v1/simulator", { method: "POST", body: { stations: 51 } });
      assertEquals(tooMany.status, 400);
      assertStringIncludes(tooMany.body.message, "At most 50 virtual stations");
      await adminContext.close();
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      const output = await sim.stop();
      await server.close();
      assertStringIncludes(output, '"msg":"simulation"');
    }
  },
});

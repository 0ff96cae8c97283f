/**
 * The dashboard in Chromium tells an operator what is wrong without a tooltip, with real stations:
 * - an offline station's page says since when it is offline and for how long (as the overview does);
 * - the overview writes out an offline station's last known connector error, marked as last known;
 * - a Remote start aimed at a Faulted connector says beside the button that the station will likely refuse
 *   and that it can be forced; refused, "Send anyway" still forces it through to the station.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { formatTime } from "../components/format.ts";

Deno.test({
  name:
    `an offline station says since when, keeps its last error in view, and a doomed start says why${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const stations: Station[] = [];
    const browser = await launch();
    const errors: string[] = [];
    try {
      const gone = await connectStation(server.wsUrl, "CP-GONE");
      await gone.call("StatusNotification", {
        connectorId: 1,
        errorCode: "GroundFailure",
        status: "Faulted",
        info: "RCD tripped",
      });
      // Last seen a second after its boot, so a page counting from the boot would show another time.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await gone.call("StatusNotification", { connectorId: 2, errorCode: "NoError", status: "Available" });
      await closeStation(gone);
      const faulted = await connectStation(server.wsUrl, "CP-FAULTED");
      stations.push(faulted);
      await faulted.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
      await faulted.call("StatusNotification", {
        connectorId: 2,
        errorCode: "PowerMeterFailure",
        status: "Faulted",
      });
      const starts: unknown[] = [];
      faulted.handle("RemoteStartTransaction", ({ params }) => {
        starts.push(params);
        return { status: "Rejected" };
      });

      const page = await signedInPage(browser, server.url, ADMIN, errors);

      // 2. The overview: the offline station's last known error is written out, marked as such.
      const row = page.locator('tr:has(a[href="/stations/CP-GONE"])');
      await row.locator('[data-online="false"]').waitFor();
      const lastError = row.locator('[data-connector-error="1"]');
      await lastError.waitFor();
      assertEquals(await lastError.innerText(), "#1 GroundFailure: RCD tripped (last known)");
      assertEquals(await lastError.getAttribute("data-last-known"), "true");
      assertEquals(await row.locator('[data-connector-error="2"]').count(), 0);
      // An online station's error is current, not "last known".
      const current = page.locator('tr:has(a[href="/stations/CP-FAULTED"]) [data-connector-error="2"]');
      assertEquals(await current.innerText(), "#2 PowerMeterFailure");

      // 1. The offline station's page says since when and for how long, from the overview's last seen time.
      const detail = await server.json("/api/v1/charge-points/CP-GONE");
      const lastSeen = (detail.body as { lastSeen: string }).lastSeen;
      assertEquals(await row.locator('td[data-label="Last seen"]').innerText(), formatTime(lastSeen));
      await page.goto(`${server.url}/stations/CP-GONE`);
      const since = page.locator("[data-offline-since]");
      await since.waitFor();
      assertMatch(
        await since.innerText(),
        new RegExp(`^Offline since ${formatTime(lastSeen)} \\(\\d+ s ago\\)$`),
      );
      await page.goto(`${server.url}/stations/CP-FAULTED`);
      await page.locator('[data-online="true"]').first().waitFor();
      assertEquals(await page.locator("[data-offline-since]").count(), 0);

      // 3. A remote start on the Faulted connector says why it will likely be refused, and still forces.
      const why = page.locator("[data-start-warning]");
      assertEquals(await why.count(), 0);
      await page.locator('select[name="startConnector"]').selectOption("2");
      await why.waitFor();
      assertEquals(
        await why.innerText(),
        "connector 2 is Faulted: the station will likely refuse; force to send anyway",
      );
      await page.locator('select[name="startConnector"]').selectOption("1");
      assertEquals(await why.count(), 0);
      await page.locator('select[name="startConnector"]').selectOption("2");
      await page.locator('input[name="idTag"]').fill("TAG-1");
      const start = page.getByRole("button", { name: "Remote start" });
      assert(await start.isEnabled());
      await start.click();
      const sendAnyway = page.getByRole("button", { name: "Send anyway" });
      await sendAnyway.waitFor();
      assertEquals(starts.length, 0);
      await sendAnyway.click();
      await page.locator('.result[data-result="ok"]').waitFor();
      assertEquals(starts, [{ idTag: "TAG-1", connectorId: 2 }]);
      // The refused start is a 409 the browser logs; nothing else may fail.
      assertEquals(errors.filter((e) => !e.includes("status of 409")), []);
    } finally {
      await browser.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});

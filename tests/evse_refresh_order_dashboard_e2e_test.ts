/**
 * A 2.0.1 station's EVSEs on its page are read again at each report; a read answered late (after the one the
 * next report made) must not put back the status from before it.
 */
import { assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const STATION = "CP-EVSE-ORDER";

Deno.test({
  name: `a 2.0.1 station's EVSEs keep the newest status when an older read answers last${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    const station = await connectStation201(server.wsUrl, STATION);
    try {
      const status = (connectorStatus: string) =>
        station.call("StatusNotification", {
          timestamp: new Date().toISOString(),
          connectorStatus,
          evseId: 1,
          connectorId: 1,
        });
      await status("Available");
      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/stations/${STATION}`);
      await page.locator("[data-live='true']").first().waitFor();
      const evses = page.getByRole("table", { name: "EVSEs" });
      const row = evses.locator('tr[data-evse="1"][data-connector="1"]');
      assertEquals(await row.getAttribute("data-status"), "Available");
      // While `slow`, a read of the station is made at once and answered 1.5 s later.
      let slow = true;
      const held: Promise<void>[] = [];
      const asked = Promise.withResolvers<void>();
      await page.route(new RegExp(`/api/v1/charge-points/${STATION}$`), async (route) => {
        if (!slow) return await route.continue();
        const response = await route.fetch();
        asked.resolve();
        const late = new Promise<void>((r) => setTimeout(r, 1500)).then(() =>
          route.fulfill({ response }).catch(() => {})
        );
        held.push(late);
        await late;
      });
      await status("Occupied");
      await asked.promise;
      slow = false;
      await status("Faulted");
      await evses.locator('tr[data-evse="1"][data-status="Faulted"]').waitFor();
      await Promise.all(held);
      await page.waitForTimeout(500);
      assertEquals(await row.getAttribute("data-status"), "Faulted", "an older read put back Occupied");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});

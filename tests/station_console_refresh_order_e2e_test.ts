/**
 * A 1.6 station's connectors on its page follow its StatusNotifications as they come, and the station is read
 * again on other events (a boot, a session); a read answered after a later status must not put back the
 * status from before it.
 */
import { assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { bootedRawStation, rawAnswer } from "./helpers/station.ts";

const STATION = "CP-CONSOLE-ORDER";

Deno.test({
  name: `a 1.6 station's connectors keep a status reported after a read that answers late${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await bootedRawStation(`${server.wsUrl}/${STATION}`);
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/stations/${STATION}`);
      await page.locator("[data-live='true']").first().waitFor();
      const row = page.locator('tr[data-connector="1"][data-status]').first();
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
      // A boot makes the page read the station again (its boot info): read now, answered late.
      await rawAnswer(station, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
      await asked.promise;
      slow = false;
      await rawAnswer(station, "StatusNotification", {
        connectorId: 1,
        errorCode: "NoError",
        status: "Charging",
      });
      await page.locator('tr[data-connector="1"][data-status="Charging"]').first().waitFor();
      await Promise.all(held);
      await page.waitForTimeout(500);
      assertEquals(await row.getAttribute("data-status"), "Charging", "an older read put back Available");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await station.close();
      await server.close();
    }
  },
});

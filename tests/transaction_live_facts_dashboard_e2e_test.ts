/**
 * A transaction's page follows its meter as the station page follows the station: the last meter reading, the
 * meter stop and the stop reason come in while the page is open (they showed only after a reload: the page's
 * facts were rendered once), in Chromium against a strict ocpp-rpc 1.6 station, for a viewer.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { createUser, launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

Deno.test({
  name: `a transaction page's meter facts follow the session live${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-LIVEFACTS");
    const browser = await launch();
    const errors: string[] = [];
    try {
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" });
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-LIVE",
        meterStart: 100,
        timestamp: new Date().toISOString(),
      });
      const viewer = { username: "vic", password: "vic-password-1" };
      await createUser(server, viewer, "viewer");
      const page = await signedInPage(browser, server.url, viewer, errors);
      await page.goto(`${server.url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").first().waitFor();
      const meter = page.locator("[data-meter]");
      assertStringIncludes(await meter.innerText(), "100 Wh");
      assertEquals(await meter.getAttribute("data-meter-last"), "");

      await station.call("MeterValues", {
        connectorId: 1,
        transactionId,
        meterValue: [{
          timestamp: new Date().toISOString(),
          sampledValue: [{ value: "1500", measurand: "Energy.Active.Import.Register", unit: "Wh" }],
        }],
      });
      await page.locator('[data-meter][data-meter-last="1500"]').waitFor();
      assertStringIncludes(await meter.innerText(), "1500 Wh");

      await station.call("StopTransaction", {
        transactionId,
        meterStop: 2000,
        timestamp: new Date().toISOString(),
        reason: "EVDisconnected",
      });
      await page.locator('[data-meter][data-meter-stop="2000"]').waitFor();
      assertStringIncludes(await page.locator("[data-stop-reason]").innerText(), "EVDisconnected");
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});

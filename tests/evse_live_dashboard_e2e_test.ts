/**
 * An OCPP 2.0.1 station's EVSEs follow the station on its page without a reload, in Chromium against a
 * strict ocpp-rpc 2.0.1 station, as a 1.6 station's connectors do: a status it reports, a session it starts
 * (linked to its ledger page), and its going away (Unknown, the last report beside). They come right after
 * the station's console (before the long Commands panel), and the console's Connectors note links them.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

Deno.test({
  name: `a 2.0.1 station's EVSEs follow its reports live on its page${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    const station = await connectStation201(server.wsUrl, "CP-EVSE-LIVE");
    let open = true;
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
      await page.goto(`${server.url}/stations/CP-EVSE-LIVE`);
      await page.locator("[data-live='true']").first().waitFor();
      const evses = page.getByRole("table", { name: "EVSEs" });
      // Next to the console, not below the Commands panel; the console's note links there.
      const order = await page.evaluate(() => {
        const evseCard = document.getElementById("evses-title")!;
        const commands = document.getElementById("commands-title")!;
        return Boolean(evseCard.compareDocumentPosition(commands) & Node.DOCUMENT_POSITION_FOLLOWING);
      });
      assertEquals(order, true, "the EVSEs card comes before the Commands panel");
      await page.getByTestId("no-connectors").getByRole("link", { name: "EVSEs" }).click();
      await page.waitForURL(/#evses-title$/);
      const row = evses.locator('tr[data-evse="1"][data-connector="1"]');
      assertEquals(await row.getAttribute("data-status"), "Available");

      await status("Occupied");
      await evses.locator('tr[data-evse="1"][data-status="Occupied"]').waitFor();
      await station.call("TransactionEvent", {
        eventType: "Started",
        timestamp: new Date().toISOString(),
        triggerReason: "CablePluggedIn",
        seqNo: 0,
        transactionInfo: { transactionId: "LIVE-1" },
        evse: { id: 1, connectorId: 1 },
      });
      const link = row.getByRole("link", { name: "LIVE-1" });
      await link.waitFor();
      const ledger = (await server.json("/api/v1/transactions?chargePointId=CP-EVSE-LIVE")).body.items[0];
      assertEquals(await link.getAttribute("href"), `/transactions/${ledger.transactionId}`);

      await closeStation(station);
      open = false;
      await evses.locator('tr[data-evse="1"][data-status="Unknown"]').waitFor();
      assertStringIncludes(await row.innerText(), "it last reported Occupied");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      if (open) await closeStation(station);
      await server.close();
    }
  },
});

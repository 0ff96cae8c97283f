/**
 * A transaction's page open while its station reports the end: the heading's status reads finished and the
 * admin's "Close by hand" form and its "Stop charging" give way to that end at once (they offered to stop or
 * close a finished session, under a heading still reading active, until a reload), in Chromium against a
 * strict ocpp-rpc 1.6 station.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { formatTime } from "../components/format.ts";

Deno.test({
  name: `a transaction page's close form gives way to the end its station reports${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    const station = await connectStation(server.wsUrl, "CP-ENDS");
    try {
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" });
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-END",
        meterStart: 100,
        timestamp: new Date().toISOString(),
      });

      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").first().waitFor();
      const card = page.locator("[data-close-transaction]");
      const stop = page.getByRole("button", { name: "Stop charging" });
      await stop.waitFor();
      const heading = page.getByRole("heading", { level: 1 });
      assertEquals(await heading.locator("[data-tx-status]").getAttribute("data-tx-status"), "active");

      const stoppedAt = new Date().toISOString();
      await station.call("StopTransaction", {
        transactionId,
        meterStop: 900,
        timestamp: stoppedAt,
        reason: "EVDisconnected",
      });
      await page.locator("[data-close-transaction][data-ended]").waitFor();
      await heading.locator('[data-tx-status="finished"]').waitFor();
      assertEquals((await heading.innerText()).trim(), `Transaction #${transactionId} finished`);
      assertStringIncludes(
        await card.innerText(),
        `The station ended this session while the page was open, at ${
          formatTime(stoppedAt)
        } (EVDisconnected): there is nothing left to stop or close.`,
      );
      assertEquals(await card.getByRole("button").count(), 0);
      assertEquals(await stop.count(), 0);
      assertEquals(await card.locator("form").count(), 0);
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(station);
      await server.close();
    }
  },
});

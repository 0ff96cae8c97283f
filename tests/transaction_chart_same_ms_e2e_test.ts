/**
 * The transaction page's live chart in Chromium loses no reading that arrives in the same millisecond as the
 * last one it read: the server's clock is held still while a real station sends a live frame and then a
 * backlog frame (an old time, queued while it was offline), so both are received at the chart's cursor. The
 * chart asks with `since` (inclusive) and gets both again; the live one is drawn once, the backlog's reading
 * is added (it was dropped as older than the chart's end), and "Energy readings" counts each once.
 */
import { assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { minutesAgo, startSessionWithOneReading } from "./helpers/session_with_one_reading.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

Deno.test({
  name: `the live chart draws a backlog reading received in the same millisecond as its cursor${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    // The server's clock, held still while the two frames arrive.
    let frozen: Date | null = null;
    const server = await startApiServer({}, { now: () => frozen ?? new Date() });
    const station = await connectStation(server.wsUrl, "CP-SAMEMS");
    const browser = await launch();
    const errors: string[] = [];
    try {
      const { transactionId, reading: send } = await startSessionWithOneReading(station, {
        idTag: "DRIVER",
        meterStart: 0,
        firstReading: 1000,
        unit: "Wh",
      });

      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/transactions/${transactionId}`);
      const count = page.locator("[data-readings]");
      const energyPoints = page.locator('[data-chart="energy"]');
      await page.locator('[data-chart="energy"][data-points="1"]').waitFor();
      // The stream is open: what the station sends now is read live.
      await page.locator("[data-live='true']").waitFor();

      frozen = new Date();
      await send(minutesAgo(1), 5000);
      await page.locator('[data-readings="2"]').waitFor();
      // Still the same millisecond: a reading queued while the station was offline, older than the chart's end.
      await send(minutesAgo(30), 3000);
      const rx = (await server.store.listMeterValuesByTransaction(transactionId)).map((r) => r.receivedAt);
      assertEquals(new Set(rx.slice(1)).size, 1, "both frames were received in one millisecond");
      frozen = null;

      await page.locator('[data-readings="3"]').waitFor();
      // No reading twice either: a later frame adds one.
      await send(minutesAgo(0.5), 6000);
      await page.locator('[data-readings="4"]').waitFor();
      await page.waitForTimeout(700);
      assertEquals(await count.getAttribute("data-readings"), "4");
      assertEquals(await energyPoints.getAttribute("data-points"), "4");
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});

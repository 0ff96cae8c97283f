/**
 * A transaction with implausible meter readings in a real browser: its page shows the readings as sent, its
 * energy unknown with the implausible-meter mark and its flag saying why; the transactions list marks its row;
 * the overview's energy today leaves it out.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import type { Browser } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser as skip } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

/** Seconds ago: a session counted in energy today must start today, whenever the test runs. */
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

Deno.test({
  name:
    `dashboard: a transaction with impossible meter readings is marked, explained and left out of totals${SKIP_REASON}`,
  ignore: skip,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    let station: Station | undefined;
    const errors: string[] = [];
    try {
      station = await connectStation(server.wsUrl, "CP-BADMETER-UI");
      const session = async (meterStart: number, meterStop: number) => {
        const { transactionId } = await station!.call("StartTransaction", {
          connectorId: 1,
          idTag: "TAG-1",
          meterStart,
          timestamp: secondsAgo(30),
        }) as { transactionId: number };
        // The stop's own register reading: the page must not show it as the energy delivered.
        await station!.call("StopTransaction", {
          transactionId,
          meterStop,
          timestamp: secondsAgo(1),
          transactionData: [{
            timestamp: secondsAgo(1),
            sampledValue: [{
              value: String(meterStop),
              measurand: "Energy.Active.Import.Register",
              unit: "Wh",
            }],
          }],
        });
        return transactionId;
      };
      const good = await session(1_000, 8_000);
      const bad = await session(-5e15, 5e15);

      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      const energyToday = page.locator('[data-kpi="energy"] .kpi-value');
      await energyToday.waitFor();
      assertEquals(await energyToday.innerText(), "7.000 kWh");

      await page.goto(`${server.url}/transactions/${bad}`);
      await page.locator('[data-flag="implausible_energy"]').waitFor();
      assertStringIncludes(
        await page.locator('[data-flag="implausible_energy"]').innerText(),
        "-5000000000000000 Wh to 5000000000000000 Wh: a meter reading below 0",
      );
      const delivered = page.locator("[data-delivered]");
      await delivered.locator('[data-implausible-energy="negative_reading"]').waitFor();
      assertStringIncludes(await delivered.innerText(), "—");
      // Its chart draws the register as sent, never a difference claimed as delivered.
      const chart = await page.locator(".charts").innerText();
      assertStringIncludes(chart, "Meter register (implausible)");
      assertEquals(chart.includes("Energy delivered"), false, chart);

      await page.goto(`${server.url}/transactions?chargePointId=CP-BADMETER-UI`);
      const badRow = page.locator(`tr[data-transaction="${bad}"]`);
      await badRow.locator("[data-implausible-energy]").waitFor();
      assertEquals(await badRow.locator("[data-energy]").getAttribute("data-energy"), "");
      const goodRow = page.locator(`tr[data-transaction="${good}"]`);
      assertEquals(await goodRow.locator("[data-implausible-energy]").count(), 0);
      assertEquals(await goodRow.locator("[data-energy]").getAttribute("data-energy"), "7000");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      if (station) await closeStation(station);
      await server.close();
    }
  },
});

/**
 * The transaction page's live chart in Chromium stays bounded however long it follows a session: a
 * 40,000-value session (10,000 energy readings) is drawn thinned to MAX_CHART_POINTS, then 1,200 readings
 * arrive live over a real WebSocket. The chart never holds more than twice MAX_CHART_POINTS points (it grew
 * by every reading before), thinning again keeps its axes (the power peak, the start) and its newest reading,
 * and "Energy readings" counts the session's readings, not the points drawn.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { MAX_CHART_POINTS } from "../overview/chart_readings.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, logIn, openPage, shot, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const START = Date.parse("2026-11-30T00:00:00.000Z");
const FRAMES = 5;
const TIMES_PER_FRAME = 2000;
const MINUTES = FRAMES * TIMES_PER_FRAME;
/** Live frames of 200 readings each: 1,200 in all, past twice MAX_CHART_POINTS with the first 1,000. */
const LIVE_FRAMES = 6;
const LIVE_TIMES = 200;

function sampled(minute: number) {
  return {
    timestamp: new Date(START + minute * 60_000).toISOString(),
    sampledValue: [
      { value: String(minute * 100), measurand: "Energy.Active.Import.Register", unit: "Wh" },
      { value: minute === 4321 ? "22000" : "6000", measurand: "Power.Active.Import", unit: "W" },
      { value: "26.1", measurand: "Current.Import", unit: "A", phase: "L1" },
      { value: "230.4", measurand: "Voltage", unit: "V", phase: "L1-N" },
    ],
  };
}

Deno.test({
  name: `the live chart of a 40,000-value session stays within ${
    2 * MAX_CHART_POINTS
  } points as readings arrive, without moving its axes${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-LIVECHART");
    const browser = await launch();
    const errors: string[] = [];
    try {
      const start = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "DRIVER",
        meterStart: 0,
        timestamp: new Date(START).toISOString(),
      });
      const transactionId = start.transactionId as number;
      const send = (from: number, count: number) =>
        station.call("MeterValues", {
          connectorId: 1,
          transactionId,
          meterValue: Array.from({ length: count }, (_, i) => sampled(from + i)),
        });
      for (let f = 0; f < FRAMES; f++) await send(f * TIMES_PER_FRAME, TIMES_PER_FRAME);

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await openPage(context, errors);
      await logIn(page, server.url, ADMIN);
      await page.goto(`${server.url}/transactions/${transactionId}`);
      await page.locator('.card-head [data-live="true"]').waitFor();
      const energy = page.locator('[data-chart="energy"]');
      const points = async () => Number(await energy.getAttribute("data-points"));
      const axes = async () => ({
        power: await page.locator('[data-chart="power"] .grid text').allInnerTexts(),
        start: (await energy.locator("text.axis").allInnerTexts())[0],
      });
      assertEquals(await page.locator("[data-readings]").getAttribute("data-readings"), String(MINUTES));
      assert((await points()) <= MAX_CHART_POINTS, `${await points()} points drawn at first`);
      const before = await axes();

      const most: number[] = [];
      for (let f = 0; f < LIVE_FRAMES; f++) {
        await send(MINUTES + f * LIVE_TIMES, LIVE_TIMES);
        const count = MINUTES + (f + 1) * LIVE_TIMES;
        await page.locator(`[data-readings="${count}"]`).waitFor({ timeout: 15_000 });
        most.push(await points());
      }
      assert(most.every((n) => n <= 2 * MAX_CHART_POINTS), `points drawn as readings arrived: ${most}`);
      assert(most.at(-1)! < most.at(-2)!, `thinned again once past ${2 * MAX_CHART_POINTS}: ${most}`);
      assertStringIncludes(
        await page.locator("[data-readings]").innerText(),
        (MINUTES + LIVE_FRAMES * LIVE_TIMES).toLocaleString("en"),
      );
      // Thinned again: the axes are where they were (the 22 kW peak kept, the same start), the newest reading
      // is the one the caption names.
      assertEquals(await axes(), before);
      const lastMinute = MINUTES + LIVE_FRAMES * LIVE_TIMES - 1;
      const lastClock = new Date(START + lastMinute * 60_000).toISOString().slice(11, 19);
      assertStringIncludes(await energy.locator("figcaption").innerText(), `at ${lastClock} UTC`);
      await shot(page, "transaction-live-bounded");
      await context.close();
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});

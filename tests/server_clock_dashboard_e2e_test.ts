/**
 * Durations on the dashboard count to the server's clock, not the browser's: an operator whose laptop clock
 * is twelve minutes ahead or behind (an init script moves the page's Date) still reads how long a station has
 * been offline and how long a session has run, and a stuck session without readings is proposed to have
 * ended at the server's now, and id tags read expired by the server's clock, in Chromium against strict
 * ocpp-rpc stations.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import type { Browser, Page } from "playwright-core";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, logIn, openPage, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const SHIFT_MS = 12 * 60_000;

/** The page's clock moved by `shiftMs`: `Date.now()` and `new Date()` both, every other use unchanged. */
function shiftClock(shiftMs: number): string {
  return `(() => {
    const RealDate = Date;
    class ShiftedDate extends RealDate {
      constructor(...args) {
        if (args.length === 0) super(RealDate.now() + ${shiftMs});
        else super(...args);
      }
      static now() { return RealDate.now() + ${shiftMs}; }
    }
    globalThis.Date = ShiftedDate;
  })();`;
}

/** Seconds, not minutes (nor "—"): the test runs within a minute of the events. */
const SECONDS = /^\d+ s\b/;

Deno.test({
  name: `durations count to the server's clock when the browser's is off by minutes${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const stations: Station[] = [];
    const errors: string[] = [];
    try {
      const gone = await connectStation(server.wsUrl, "CP-CLOCK-GONE");
      await gone.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
      await closeStation(gone);
      const charging = await connectStation(server.wsUrl, "CP-CLOCK-TX");
      stations.push(charging);
      const { transactionId } = await charging.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-CLOCK",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      });

      // Id tags that expire in five minutes and expired five minutes ago, by the server's clock.
      const soon = { idTag: "TAG-SOON", expiryDate: new Date(Date.now() + 5 * 60_000).toISOString() };
      const past = { idTag: "TAG-PAST", expiryDate: new Date(Date.now() - 5 * 60_000).toISOString() };
      for (const body of [soon, past]) {
        const created = await server.json("/api/v1/id-tags", { method: "POST", body });
        if (created.status !== 201) throw new Error(JSON.stringify(created.body));
      }

      browser = await launch();
      for (const shift of [SHIFT_MS, -SHIFT_MS]) {
        const context = await browser.newContext();
        await context.addInitScript(shiftClock(shift));
        const page: Page = await openPage(context, errors);
        await logIn(page, server.url, ADMIN);
        const label = `browser clock ${shift > 0 ? "ahead" : "behind"}`;

        await page.goto(`${server.url}/stations/CP-CLOCK-GONE`);
        await page.locator("[data-live='true']").first().waitFor();
        const since = (await page.locator("[data-offline-since]").innerText()).replace(/^.*\(/, "");
        assertMatch(since, /^\d+ s ago\)$/, `${label}: offline since`);

        await page.goto(`${server.url}/stations/CP-CLOCK-TX`);
        await page.locator("[data-live='true']").first().waitFor();
        const row = page.locator(`tr:has(a[href="/transactions/${transactionId}"]) [data-duration]`).first();
        assertMatch(await row.innerText(), SECONDS, `${label}: recent transactions`);

        await page.goto(`${server.url}/transactions/${transactionId}`);
        await page.locator("[data-live='true']").first().waitFor();
        // The chart ticks every second: give it a tick after hydration.
        await page.waitForTimeout(1_200);
        assertMatch(await page.locator("dd[data-duration]").innerText(), SECONDS, `${label}: transaction`);
        // A session without readings is proposed to have ended now: the server's now, in the browser's zone.
        const endedAt = await page.locator('input[name="endedAt"]').inputValue();
        const proposed = await page.evaluate((local) => new Date(local).getTime(), endedAt);
        assert(Math.abs(proposed - Date.now()) < 3 * 60_000, `${label}: proposed end ${endedAt}`);

        await page.goto(`${server.url}/id-tags`);
        await page.locator('tr[data-id-tag="TAG-SOON"]').waitFor();
        const status = (tag: string) =>
          page.locator(`tr[data-id-tag="${tag}"] td[data-label="Status"]`).innerText();
        assertEquals((await status("TAG-SOON")).trim(), "Accepted", `${label}: a tag expiring in 5 min`);
        assertEquals((await status("TAG-PAST")).trim(), "Expired", `${label}: a tag expired 5 min ago`);
        await context.close();
      }
      if (errors.length > 0) throw new Error(errors.join("\n"));
    } finally {
      await browser?.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});

Deno.test({
  name: `a station that goes offline while its page is open reads offline for seconds, not "—"${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    const station = await connectStation(server.wsUrl, "CP-CLOCK-LEAVES");
    let open = true;
    try {
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/stations/CP-CLOCK-LEAVES`);
      await page.locator("[data-live='true']").first().waitFor();
      // Seen again after the page was made: its last seen time is later than the page's clock has read.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await station.call("Heartbeat", {});
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
      await closeStation(station);
      open = false;
      const since = page.locator("[data-offline-since]");
      await since.waitFor();
      assertMatch((await since.innerText()).replace(/^.*\(/, ""), /^\d+ s ago\)$/);
      if (errors.length > 0) throw new Error(errors.join("\n"));
    } finally {
      await browser?.close();
      if (open) await closeStation(station);
      await server.close();
    }
  },
});

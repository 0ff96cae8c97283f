/**
 * The admin's "Close by hand" form on a transaction's page, in Chromium against a strict ocpp-rpc 1.6
 * station that goes on sending meter values: its proposed end (meter value and time) follows the session's
 * newest energy reading, live and after its event stream was down (the browser's connection cut), not the
 * reading of the page's load (an admin closing a session that went on charging would close it with a stale
 * value). Once the admin types a value of their own it is kept; the newest reading is then offered beside it,
 * and the session closes with the value chosen.
 */
import { assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, logIn, openPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { minutesAgo, startSessionWithOneReading } from "./helpers/session_with_one_reading.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

/** The form's time is to the minute. */
const toMinute = (iso: string) => new Date(Math.floor(Date.parse(iso) / 60_000) * 60_000).toISOString();

Deno.test({
  name: `the close-by-hand form proposes the newest meter reading, live and after a drop${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const proxy = tcpProxy(new URL(server.url));
    const url = proxy.url(server.url).replace(/\/$/, "");
    const station = await connectStation(server.wsUrl, "CP-CLOSE-LIVE");
    const browser = await launch();
    const errors: string[] = [];
    try {
      const { transactionId, reading } = await startSessionWithOneReading(station, {
        idTag: "TAG-LIVE",
        meterStart: 1000,
        firstReading: 2000,
      });

      const page = await openPage(await browser.newContext(), errors);
      page.on("dialog", (dialog) => void dialog.accept());
      await logIn(page, url, ADMIN);
      await page.goto(`${url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").waitFor();
      const form = page.locator("[data-close-transaction]");
      const meter = form.getByLabel("Meter at the end (Wh)");
      assertEquals(await meter.inputValue(), "2000");

      // Live: a reading arrives while the page is open.
      await reading(minutesAgo(40), 2500);
      await eventuallyValue(() => meter.inputValue(), "2500");

      // The stream drops and a reading arrives meanwhile: it is proposed once the stream is back.
      proxy.cut();
      await page.locator("[data-live='false']").waitFor();
      await reading(minutesAgo(30), 3100);
      await page.locator("[data-live='true']").waitFor({ timeout: 15_000 });
      await eventuallyValue(() => meter.inputValue(), "3100");
      // An older reading sent late (a backlog) does not replace the newer one: once the chart counted it
      // (it was read), the proposal is still the newest by time.
      await reading(minutesAgo(35), 2800);
      await page.locator('[data-readings="4"]').waitFor();
      await new Promise((r) => setTimeout(r, 500));
      assertEquals(await meter.inputValue(), "3100");

      // The admin's own value stays; the newest reading is offered beside it.
      await meter.fill("3300");
      await reading(minutesAgo(20), 3600);
      const offer = form.locator("[data-newest-reading]");
      await offer.filter({ hasText: "3600 Wh" }).waitFor({ timeout: 5000 });
      assertEquals(await meter.inputValue(), "3300");
      await offer.getByRole("button", { name: "Use it" }).click();
      assertEquals(await meter.inputValue(), "3600");
      const last = minutesAgo(10);
      await reading(last, 3900);
      await eventuallyValue(() => meter.inputValue(), "3900");

      await form.getByLabel("Reason").fill("the station stopped answering");
      await form.getByRole("button", { name: "Close transaction" }).click();
      await page.locator('[data-flag="closed_by_operator"]').waitFor();
      const closed = await server.json(`/api/v1/transactions/${transactionId}`, { as: "viewer" });
      assertEquals(closed.body.meterStop, 3900);
      assertEquals(closed.body.stopTimestamp, toMinute(last));
      assertEquals(errors.filter((e) => !e.includes("ERR_")), []);
    } finally {
      await browser.close();
      await closeStation(station);
      await proxy.close();
      await server.close();
    }
  },
});

/** Waits up to 5 s for `read()` to give `want`; fails with the last value read. */
async function eventuallyValue(read: () => Promise<string>, want: string): Promise<void> {
  const until = Date.now() + 5000;
  let got = await read();
  while (got !== want && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    got = await read();
  }
  assertEquals(got, want);
}

/**
 * The filtered transactions list in Chromium, as an operator keeps it open while real stations charge:
 * - a session stopped while the page's event stream was down (the browser's connection cut) is shown stopped,
 *   with its energy and stop reason, once the stream opens again, not running until a reload;
 * - a running session whose meter reads more than it could have delivered says so with the same
 *   "implausible meter" badge as a stopped one, not a bare 0 Wh; its own page too, not the register's leap
 *   as delivered energy;
 * - a transaction's own page, open while the stream is down and its session stops, shows it stopped once the
 *   stream is back.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString();

Deno.test({
  name:
    `the filtered transactions list catches up on a stop it missed and marks a running implausible meter${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    // The browser reaches the server through a proxy whose connections the test cuts (a network blip).
    const proxy = tcpProxy(new URL(server.url));
    const url = proxy.url(server.url).replace(/\/$/, "");
    const station = await connectStation(server.wsUrl, "CP-REOPEN");
    const browser = await launch();
    const errors: string[] = [];
    try {
      const start = async (connectorId: number, meterStart: number) =>
        (await station.call("StartTransaction", {
          connectorId,
          idTag: "DRIVER",
          meterStart,
          timestamp: secondsAgo(120),
        }) as { transactionId: number }).transactionId;
      const gap = await start(1, 1000);
      const broken = await start(2, 0);
      const watched = await start(3, 0);
      const register = (transactionId: number, connectorId: number, wh: number) =>
        station.call("MeterValues", {
          connectorId,
          transactionId,
          meterValue: [{
            timestamp: secondsAgo(1),
            sampledValue: [{ value: String(wh), measurand: "Energy.Active.Import.Register", unit: "Wh" }],
          }],
        });
      await register(gap, 1, 3500);
      // 10 GWh in two minutes: no meter delivers that.
      await register(broken, 2, 1e10);

      const page = await signedInPage(browser, url, ADMIN, errors);
      await page.goto(`${url}/transactions?chargePointId=CP-REOPEN`);
      const live = page.locator("[data-live]");
      await page.locator("[data-live='true']").waitFor();

      const brokenRow = page.locator(`tr[data-transaction="${broken}"]`);
      assertEquals(await brokenRow.getAttribute("data-status"), "active");
      await brokenRow.locator("[data-implausible-energy]").waitFor();
      assertStringIncludes(await brokenRow.locator("[data-energy]").innerText(), "implausible meter");
      assertEquals(await brokenRow.locator("[data-energy]").getAttribute("data-energy"), "");

      const gapRow = page.locator(`tr[data-transaction="${gap}"]`);
      assertEquals(await gapRow.getAttribute("data-status"), "active");
      // The network drops; the session stops before the stream is back (it retries after 3 s).
      proxy.cut();
      await page.locator("[data-live='false']").waitFor();
      await station.call("StopTransaction", {
        transactionId: gap,
        meterStop: 4200,
        timestamp: secondsAgo(0),
        reason: "EVDisconnected",
      });
      await page.locator("[data-live='true']").waitFor({ timeout: 15_000 });
      await page.locator(`tr[data-transaction="${gap}"][data-status="finished"]`).waitFor();
      assertEquals(await gapRow.locator("[data-energy]").getAttribute("data-energy"), "3200");
      assertStringIncludes(await gapRow.innerText(), "EVDisconnected");
      // The other one still runs, still marked.
      assertEquals(await brokenRow.getAttribute("data-status"), "active");
      await brokenRow.locator("[data-implausible-energy]").waitFor();
      assertEquals(await live.count(), 1);

      await page.goto(`${url}/transactions/${broken}`);
      const delivered = page.locator("[data-delivered]");
      await delivered.locator('[data-implausible-energy="above_max_power"]').waitFor();
      assertStringIncludes(await delivered.innerText(), "—");

      await page.goto(`${url}/transactions/${watched}`);
      await page.locator("[data-live='true']").waitFor();
      assertEquals(await page.locator("dd[data-tx-status]").innerText(), "active");
      proxy.cut();
      await page.locator("[data-live='false']").waitFor();
      await station.call("StopTransaction", {
        transactionId: watched,
        meterStop: 900,
        timestamp: secondsAgo(0),
      });
      // Stopped, it is no longer followed live: its live mark goes with it.
      await page.locator("dd[data-tx-status='finished']").waitFor({ timeout: 15_000 });
      assertStringIncludes(await page.locator("[data-delivered]").innerText(), "0.900 kWh");
      assertEquals(errors.filter((e) => !e.includes("ERR_")), []);
    } finally {
      await browser.close();
      await closeStation(station);
      await proxy.close();
      await server.close();
    }
  },
});

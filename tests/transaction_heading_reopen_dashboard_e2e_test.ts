/**
 * A transaction's page, open in Chromium while its event stream is down (the browser's connection cut, a
 * server restart): the session its station ends meanwhile is shown ended in the page's heading once the
 * stream opens again, not "active" until a reload (the chart below caught up; the heading did not).
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { createUser, launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

const OPERATOR = { username: "otto", password: "operator-password-1" };

Deno.test({
  name:
    `a transaction page's heading shows the end its station reported while the stream was down${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    // The browser reaches the server through a proxy whose connections the test cuts (a network blip).
    const proxy = tcpProxy(new URL(server.url));
    const url = proxy.url(server.url).replace(/\/$/, "");
    const station = await connectStation(server.wsUrl, "CP-HEAD");
    const browser = await launch();
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "DRIVER",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      }) as { transactionId: number };

      const page = await signedInPage(browser, url, OPERATOR, errors);
      await page.goto(`${url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").waitFor();
      const heading = page.getByRole("heading", { level: 1 }).locator("[data-tx-status]");
      assertEquals(await heading.getAttribute("data-tx-status"), "active");

      proxy.cut();
      await page.locator("[data-live='false']").waitFor();
      await station.call("StopTransaction", {
        transactionId,
        meterStop: 900,
        timestamp: new Date().toISOString(),
        reason: "EVDisconnected",
      });
      // The chart's facts catch up once the stream is back (they did already; its live mark then goes).
      await page.locator("dd[data-tx-status='finished']").waitFor({ timeout: 15_000 });
      await page.getByRole("heading", { level: 1 }).locator("[data-tx-status='finished']").waitFor({
        timeout: 5000,
      });
      assertEquals(errors.filter((e) => !e.includes("ERR_")), []);
    } finally {
      await browser.close();
      await closeStation(station);
      await proxy.close();
      await server.close();
    }
  },
});

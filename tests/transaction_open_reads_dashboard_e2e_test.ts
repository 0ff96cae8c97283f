/**
 * A running session's page, opened by an admin (its heading, Stop charging, the close-by-hand form and the
 * chart all catch up on the session's end at each open of the event stream), asks the server once per open:
 * one `GET /api/v1/transactions/energy?ids=` read, whose answer reaches all four. Each island read on its own
 * before, four requests for the same row per open. Counted with Playwright's request events in Chromium, at
 * the first open and at a reopen after the browser's connection is cut, against a strict ocpp-rpc 1.6 station.
 */
import { assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { requestsSettled } from "./helpers/requests_settled.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

Deno.test({
  name: `a transaction's page reads the session once per open of its event stream${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    // The browser reaches the server through a proxy whose connections the test cuts (a reopen).
    const proxy = tcpProxy(new URL(server.url));
    const url = proxy.url(server.url).replace(/\/$/, "");
    const station = await connectStation(server.wsUrl, "CP-OPEN-READ");
    const browser = await launch();
    const errors: string[] = [];
    try {
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-OPEN-READ",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      }) as { transactionId: number };
      await station.call("StatusNotification", { connectorId: 1, status: "Charging", errorCode: "NoError" });

      const page = await signedInPage(browser, url, ADMIN, errors);
      const reads: string[] = [];
      page.on("request", (request) => {
        const { pathname, search } = new URL(request.url());
        if (pathname === "/api/v1/transactions/energy") reads.push(`${pathname}${search}`);
      });
      await page.goto(`${url}/transactions/${transactionId}`);
      // All four islands that catch up at an open are on the page.
      for (const island of ["h1 [data-tx-status]", "[data-stop-transaction]", "[data-close-transaction]"]) {
        await page.locator(island).waitFor();
      }
      await page.locator("[data-live='true']").waitFor();
      const read = `/api/v1/transactions/energy?ids=${transactionId}`;
      await requestsSettled(reads);
      assertEquals(reads, [read]);

      proxy.cut();
      await page.locator("[data-live='false']").waitFor();
      await page.locator("[data-live='true']").waitFor({ timeout: 15_000 });
      await requestsSettled(reads);
      assertEquals(reads, [read, read]);
      assertEquals(errors.filter((e) => !e.includes("ERR_")), []);
    } finally {
      await browser.close();
      await closeStation(station);
      await proxy.close();
      await server.close();
    }
  },
});

/**
 * The admin's "Close by hand" card on a transaction's page, open in Chromium while its event stream is down
 * (the browser's connection cut): the session its station ends meanwhile is shown ended once the stream opens
 * again, the form and its close gone (it offered to close a finished session until a reload), and so is the
 * page's Stop charging.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

Deno.test({
  name: `the close-by-hand card gives way to an end reported while the stream was down${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const proxy = tcpProxy(new URL(server.url));
    const url = proxy.url(server.url).replace(/\/$/, "");
    const station = await connectStation(server.wsUrl, "CP-CLOSE-REOPEN");
    const browser = await launch();
    const errors: string[] = [];
    try {
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" });
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "DRIVER",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      }) as { transactionId: number };

      const page = await signedInPage(browser, url, ADMIN, errors);
      await page.goto(`${url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").waitFor();
      const card = page.locator("[data-close-transaction]");
      await card.locator("form").waitFor();
      const stop = page.getByRole("button", { name: "Stop charging" });
      await stop.waitFor();

      proxy.cut();
      await page.locator("[data-live='false']").waitFor();
      await station.call("StopTransaction", {
        transactionId,
        meterStop: 900,
        timestamp: new Date().toISOString(),
        reason: "EVDisconnected",
      });
      await page.locator("[data-close-transaction][data-ended]").waitFor({ timeout: 15_000 });
      assertStringIncludes(await card.innerText(), "The station ended this session");
      assertStringIncludes(await card.innerText(), "(EVDisconnected)");
      assertEquals(await card.locator("form").count(), 0);
      await stop.waitFor({ state: "detached", timeout: 5000 });
      assertEquals(errors.filter((e) => !e.includes("ERR_")), []);
    } finally {
      await browser.close();
      await closeStation(station);
      await proxy.close();
      await server.close();
    }
  },
});

/**
 * Stop charging on a transaction's page, in Chromium against a strict ocpp-rpc 1.6 station: an operator (not
 * only an admin, whose close-by-hand card had the only stop) asks the station to stop the session it runs,
 * after a confirmation (dismissed: nothing is sent); the station receives RemoteStopTransaction with the
 * session's id, and once it reports the stop the button gives way. A viewer is offered no stop.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { createUser, launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const OPERATOR = { username: "otto", password: "operator-password-1" };
const VIEWER = { username: "vera", password: "viewer-password-1" };

Deno.test({
  name: `an operator stops a running session from its transaction page; a viewer cannot${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await connectStation(server.wsUrl, "CP-STOP-TX");
    const browser = await launch();
    const errors: string[] = [];
    try {
      await createUser(server, OPERATOR, "operator");
      await createUser(server, VIEWER, "viewer");
      const stops: unknown[] = [];
      station.handle("RemoteStopTransaction", ({ params }) => {
        stops.push(params);
        return { status: "Accepted" };
      });
      await station.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" });
      const { transactionId } = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-STOP",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      }) as { transactionId: number };

      const viewerPage = await signedInPage(browser, server.url, VIEWER, errors);
      await viewerPage.goto(`${server.url}/transactions/${transactionId}`);
      await viewerPage.locator("[data-live='true']").waitFor();
      assertEquals(await viewerPage.getByRole("button", { name: "Stop charging" }).count(), 0);

      const page = await signedInPage(browser, server.url, OPERATOR, errors);
      await page.goto(`${server.url}/transactions/${transactionId}`);
      await page.locator("[data-live='true']").waitFor();
      const card = page.locator("[data-stop-transaction]");
      assertStringIncludes(
        await card.innerText(),
        "CP-STOP-TX is connected and runs this session on connector 1",
      );
      const stop = card.getByRole("button", { name: "Stop charging" });

      const asked: string[] = [];
      page.once("dialog", (d) => {
        asked.push(d.message());
        void d.dismiss();
      });
      await stop.click();
      assertEquals(asked, [`Ask CP-STOP-TX to stop transaction #${transactionId}?`]);
      page.once("dialog", (d) => void d.accept());
      await stop.click();
      await card.locator("[data-stop-result]", { hasText: "answered RemoteStopTransaction with Accepted" })
        .waitFor();
      // The dismissed one sent nothing: one stop, with the session's id.
      assertEquals(stops, [{ transactionId }]);

      await station.call("StopTransaction", {
        transactionId,
        meterStop: 500,
        timestamp: new Date().toISOString(),
        reason: "Remote",
      });
      await page.getByRole("heading", { level: 1 }).locator("[data-tx-status='finished']").waitFor();
      await card.waitFor({ state: "detached" });
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await closeStation(station);
      await server.close();
    }
  },
});

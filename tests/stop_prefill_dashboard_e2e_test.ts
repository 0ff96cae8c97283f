/**
 * The station page's Commands form opens a stop on the session the station runs: OCPP 2.0.1's
 * RequestStopTransaction (and GetTransactionStatus) with the station's own transaction id, not the catalog's
 * placeholder the station could only reject; OCPP 1.6's RemoteStopTransaction with our transaction id. Sent
 * as opened, in Chromium against strict ocpp-rpc stations, each reaches its station with that id.
 */
import { assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

Deno.test({
  name: `the Commands form opens a stop on the station's running session, in either dialect${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const stations: Station[] = [];
    const browser = await launch();
    const errors: string[] = [];
    try {
      const received: [string, unknown][] = [];
      const s201 = await connectStation201(server.wsUrl, "CP-STOP-201");
      stations.push(s201);
      s201.handle("RequestStopTransaction", ({ params }) => {
        received.push(["RequestStopTransaction", params.transactionId]);
        return { status: "Accepted" };
      });
      const now = () => new Date().toISOString();
      await s201.call("StatusNotification", {
        timestamp: now(),
        connectorStatus: "Occupied",
        evseId: 1,
        connectorId: 1,
      });
      await s201.call("TransactionEvent", {
        eventType: "Started",
        timestamp: now(),
        triggerReason: "Authorized",
        seqNo: 0,
        transactionInfo: { transactionId: "st-tx-prefill", chargingState: "Charging" },
        evse: { id: 1, connectorId: 1 },
        idToken: { idToken: "DRIVER-1", type: "ISO14443" },
      });
      const s16 = await connectStation(server.wsUrl, "CP-STOP-16");
      stations.push(s16);
      s16.handle("RemoteStopTransaction", ({ params }) => {
        received.push(["RemoteStopTransaction", params.transactionId]);
        return { status: "Accepted" };
      });
      await s16.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" });
      const { transactionId } = await s16.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-PREFILL",
        meterStart: 0,
        timestamp: now(),
      });

      const page = await signedInPage(browser, server.url, ADMIN, errors);
      const forms = page.locator('section[aria-labelledby="commands-title"]');

      await page.goto(`${server.url}/stations/CP-STOP-201`);
      await page.locator("[data-live='true']").first().waitFor();
      await forms.locator('select[name="action"]').selectOption("RequestStopTransaction");
      assertEquals(JSON.parse(await forms.getByLabel("Payload (JSON)").inputValue()), {
        transactionId: "st-tx-prefill",
      });
      await forms.locator('select[name="action"]').selectOption("GetTransactionStatus");
      assertEquals(JSON.parse(await forms.getByLabel("Payload (JSON)").inputValue()), {
        transactionId: "st-tx-prefill",
      });
      await forms.locator('select[name="action"]').selectOption("RequestStopTransaction");
      await forms.getByRole("button", { name: /^Send: / }).click();
      await forms.locator('[data-command-result="ok"]').waitFor();

      await page.goto(`${server.url}/stations/CP-STOP-16`);
      await page.locator("[data-live='true']").first().waitFor();
      await forms.locator('select[name="action"]').selectOption("RemoteStopTransaction");
      assertEquals(await forms.locator('input[name="transactionId"]').inputValue(), String(transactionId));
      await forms.getByRole("button", { name: /^Send: / }).click();
      await forms.locator('[data-command-result="ok"]').waitFor();

      await eventually(() => received.length === 2, 5000, "both stops reach their stations");
      assertEquals(received, [
        ["RequestStopTransaction", "st-tx-prefill"],
        ["RemoteStopTransaction", transactionId],
      ]);
      assertEquals(errors, []);
    } finally {
      await browser.close();
      for (const s of stations) await closeStation(s);
      await server.close();
    }
  },
});

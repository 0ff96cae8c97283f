/**
 * A station that changes dialect under the same id (a firmware update from 1.6 to 2.0.1, or back): what it
 * reported in the other dialect no longer describes it, so its page and the API show only what it reports now.
 */
import { assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { launch, shot, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";

Deno.test({
  name:
    `a station that moves from 1.6 to 2.0.1 and back shows only the statuses of its dialect${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      const v16 = await connectStation(server.wsUrl, "CP-MOVE");
      await v16.call("StatusNotification", { connectorId: 1, status: "Charging", errorCode: "NoError" });
      await v16.call("StartTransaction", {
        connectorId: 1,
        idTag: "TAG-M",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      });
      await closeStation(v16);

      const v201 = await connectStation201(server.wsUrl, "CP-MOVE");
      await v201.call("StatusNotification", {
        timestamp: new Date().toISOString(),
        connectorStatus: "Available",
        evseId: 1,
        connectorId: 1,
      });
      const moved = (await server.json("/api/v1/charge-points/CP-MOVE")).body;
      assertEquals(moved.ocppVersion, "ocpp2.0.1");
      // Connector 1 "Charging" in a 1.6 session is what it said before: not what it is.
      assertEquals(moved.connectors, []);
      assertEquals(moved.evses.map((e: { status: string }) => e.status), ["Available"]);

      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/stations/CP-MOVE`);
      await page.getByTestId("no-connectors").waitFor();
      assertEquals(await page.locator("table.connectors").count(), 0);
      await shot(page, "station-moved-to-201");
      await closeStation(v201);

      // And back to 1.6: its EVSEs go.
      const back = await connectStation(server.wsUrl, "CP-MOVE");
      await back.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });
      const again = await eventually(async () => {
        const body = (await server.json("/api/v1/charge-points/CP-MOVE")).body;
        return body.connectors.length === 1 ? body : null;
      });
      assertEquals(again.ocppVersion, "ocpp1.6");
      assertEquals(again.evses ?? [], []);
      await closeStation(back);
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await server.close();
    }
  },
});

Deno.test("a 1.6 session left open when the station comes back speaking 2.0.1 is flagged open after its reboot", async () => {
  const server = await startApiServer();
  try {
    const v16 = await connectStation(server.wsUrl, "CP-LEFT");
    const started = await v16.call("StartTransaction", {
      connectorId: 2,
      idTag: "TAG-L",
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    await closeStation(v16);
    // The 2.0.1 firmware knows no 1.6 transaction: nothing it sends will ever end this one.
    const v201 = await connectStation201(server.wsUrl, "CP-LEFT");
    const flags = await eventually(async () => {
      const body = (await server.json("/api/v1/transaction-flags?active=true")).body;
      return body.items.length > 0 ? body.items : null;
    });
    assertEquals(
      flags.map((f: { transactionId: number; kind: string }) => [f.transactionId, f.kind]),
      [[started.transactionId, "open_after_reboot"]],
    );
    assertEquals((await server.json("/api/v1/overview")).body.attention.stuck, 1);
    // A 2.0.1 session of its own, open across a later boot of the same firmware, is not this rule's.
    await v201.call("TransactionEvent", {
      eventType: "Started",
      timestamp: new Date().toISOString(),
      triggerReason: "Authorized",
      seqNo: 0,
      transactionInfo: { transactionId: "TX-NEW" },
      evse: { id: 1, connectorId: 1 },
    });
    await v201.call("BootNotification", {
      reason: "PowerUp",
      chargingStation: { vendorName: "A", model: "B" },
    });
    await new Promise((r) => setTimeout(r, 300));
    assertEquals((await server.json("/api/v1/transaction-flags?active=true")).body.items.length, 1);
    await closeStation(v201);
  } finally {
    await server.close();
  }
});

/**
 * The overview (KPIs, attention, the station table) sees OCPP 2.0.1 stations by their EVSEs: a 2.0.1 station
 * reports no 1.6 connectors, so an overview reading only those would hide its faults and sessions (and show a
 * station that moved from 1.6 to 2.0.1 by what it reported in 1.6).
 */
import { assertEquals } from "@std/assert";
import type { Browser } from "playwright-core";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { launch, shot, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";

const at = (minutes: number) => new Date(Date.now() - 3_600_000 + minutes * 60_000).toISOString();

Deno.test({
  name:
    `the overview counts a 2.0.1 station's EVSEs: a Faulted one needs attention, one in session is in use${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    let browser: Browser | undefined;
    const errors: string[] = [];
    // CP-MOVED spoke 1.6 first (connector 1 Charging in a session), then came back as 2.0.1.
    const old = await connectStation(server.wsUrl, "CP-MOVED");
    await old.call("StatusNotification", { connectorId: 1, status: "Charging", errorCode: "NoError" });
    await old.call("StartTransaction", { connectorId: 1, idTag: "TAG-O", meterStart: 0, timestamp: at(0) });
    await closeStation(old);
    const moved = await connectStation201(server.wsUrl, "CP-MOVED");
    const station = await connectStation201(server.wsUrl, "CP-EVSES");
    try {
      await moved.call("StatusNotification", {
        timestamp: at(1),
        connectorStatus: "Available",
        evseId: 1,
        connectorId: 1,
      });
      for (const [evseId, connectorStatus] of [[1, "Faulted"], [2, "Occupied"], [3, "Available"]] as const) {
        await station.call("StatusNotification", {
          timestamp: at(1),
          connectorStatus,
          evseId,
          connectorId: 1,
        });
      }
      await station.call("TransactionEvent", {
        eventType: "Started",
        timestamp: at(2),
        triggerReason: "CablePluggedIn",
        seqNo: 0,
        transactionInfo: { transactionId: "TX-OV" },
        evse: { id: 2, connectorId: 1 },
      });

      const { body } = await server.json("/api/v1/overview?sort=id");
      const chips = (id: string) =>
        body.items.find((r: { id: string }) => r.id === id).connectors.map((
          c: { connectorId: number; status: string },
        ) => [c.connectorId, c.status]);
      // One chip per EVSE; Occupied with a session running reads as the session it is.
      assertEquals(chips("CP-EVSES"), [[1, "Faulted"], [2, "Charging"], [3, "Available"]]);
      // What CP-MOVED said in 1.6 no longer describes it: its EVSE does.
      assertEquals(chips("CP-MOVED"), [[1, "Available"]]);
      assertEquals(body.kpis.faultedConnectors, 1);
      assertEquals(body.attention.faulted, 1);
      assertEquals(body.items.find((r: { id: string }) => r.id === "CP-EVSES").attention, ["faulted"]);
      // 3 of 4 points of charge operative, 1 of 4 in use.
      assertEquals([body.kpis.availability, body.kpis.utilisation], [0.75, 0.25]);
      const faulted = await server.json("/api/v1/overview?status=Faulted");
      assertEquals(faulted.body.items.map((r: { id: string }) => r.id), ["CP-EVSES"]);

      browser = await launch();
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      const row = page.locator('tr[data-station="CP-EVSES"]');
      await row.locator('[data-connector="1"][data-status="Faulted"]').waitFor();
      // Live: the EVSE's next status reaches the open overview without a reload.
      await station.call("StatusNotification", {
        timestamp: at(3),
        connectorStatus: "Available",
        evseId: 1,
        connectorId: 1,
      });
      await row.locator('[data-connector="1"][data-status="Available"]').waitFor({ timeout: 8_000 });
      await shot(page, "overview-201");
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      await closeStation(moved);
      await closeStation(station);
      await server.close();
    }
  },
});

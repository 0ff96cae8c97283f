/**
 * What an OCPP 2.0.1 station reports besides transactions, with npm `ocpp-rpc` in strict mode speaking
 * `ocpp2.0.1`: firmware and log progress land in the same file status history as 1.6's, DataTransfer is
 * answered by the same rules and kept, and a reservation the station drops (ReservationStatusUpdate) is no
 * longer held.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

Deno.test("a 2.0.1 station's firmware and log progress, DataTransfer and dropped reservation are kept", async () => {
  const server = await startApiServer();
  const station = await connectStation201(server.wsUrl, "CP-REP201");
  try {
    assertEquals(
      await station.call("FirmwareStatusNotification", { status: "Downloading", requestId: 5 }),
      {},
    );
    assertEquals(await station.call("FirmwareStatusNotification", { status: "Installed", requestId: 5 }), {});
    assertEquals(await station.call("LogStatusNotification", { status: "Uploaded", requestId: 3 }), {});
    const files = (await server.json("/api/v1/charge-points/CP-REP201/file-status-history", { as: "viewer" }))
      .body.items;
    assertEquals(
      files.map((f: { kind: string; status: string; requestId: number }) => [f.kind, f.status, f.requestId]),
      [
        ["log", "Uploaded", 3],
        ["firmware", "Installed", 5],
        ["firmware", "Downloading", 5],
      ],
    );
    assertEquals((await server.store.getChargePoint("CP-REP201"))?.firmwareStatus, "Installed");

    // DataTransfer: the same rules as 1.6; 2.0.1's JSON data reaches them as text.
    const rule = await server.json("/api/v1/data-transfer-rules", {
      method: "PUT",
      body: { vendorId: "com.acme", messageId: "", status: "Accepted", data: "ok" },
      as: "admin",
    });
    assertEquals(rule.status, 200);
    assertEquals(
      await station.call("DataTransfer", { vendorId: "com.acme", messageId: "Hello", data: { temp: 21 } }),
      { status: "Accepted", data: "ok" },
    );
    assertEquals((await station.call("DataTransfer", { vendorId: "com.other" })).status, "UnknownVendorId");
    const kept = await eventually(async () => {
      const items =
        (await server.json("/api/v1/data-transfers?chargePointId=CP-REP201", { as: "viewer" })).body.items;
      return items.length === 2 ? items : null;
    });
    assertEquals(kept.find((m: { vendorId: string }) => m.vendorId === "com.acme").data, '{"temp":21}');

    // A reservation the station accepted, then dropped when it expired.
    station.handle("ReserveNow", () => ({ status: "Accepted" }));
    const reserved = await server.json("/api/v1/charge-points/CP-REP201/ReserveNow", {
      method: "POST",
      body: {
        id: 77,
        expiryDateTime: "2030-01-01T00:00:00Z",
        idToken: { idToken: "T", type: "Central" },
        evseId: 1,
      },
      as: "operator",
    });
    assertEquals(reserved.status, 200);
    assertEquals(
      (await server.store.getChargePoint("CP-REP201"))?.reservations?.map((r) => r.reservationId),
      [77],
    );
    assertEquals(
      await station.call("ReservationStatusUpdate", {
        reservationId: 77,
        reservationUpdateStatus: "Expired",
      }),
      {},
    );
    assertEquals((await server.store.getChargePoint("CP-REP201"))?.reservations, []);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

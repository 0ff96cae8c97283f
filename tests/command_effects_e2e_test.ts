/**
 * What command answers teach: an operator sends commands through the API, a strict station answers, and the
 * station's stored snapshot learns its configuration, availability, local list version and reservations.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

Deno.test("command answers update the stored snapshot; a start with a reservationId uses the reservation", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-LEARN");
  try {
    station.handle("GetConfiguration", () => ({
      configurationKey: [
        { key: "HeartbeatInterval", readonly: false, value: "300" },
        { key: "NumberOfConnectors", readonly: true, value: "2" },
      ],
    }));
    station.handle("ChangeConfiguration", () => ({ status: "Accepted" }));
    station.handle("ChangeAvailability", () => ({ status: "Scheduled" }));
    station.handle("GetLocalListVersion", () => ({ listVersion: 3 }));
    station.handle("SendLocalList", () => ({ status: "Accepted" }));
    station.handle("ReserveNow", () => ({ status: "Accepted" }));
    station.handle("CancelReservation", () => ({ status: "Accepted" }));
    const send = async (action: string, body: unknown) => {
      const res = await server.json(`/api/v1/charge-points/CP-LEARN/${action}`, {
        method: "POST",
        body,
        as: "operator",
      });
      assertEquals(res.status, 200, `${action}: ${JSON.stringify(res.body)}`);
    };
    await send("GetConfiguration", {});
    await send("ChangeConfiguration", { key: "HeartbeatInterval", value: "60" });
    await send("ChangeAvailability", { connectorId: 2, type: "Inoperative" });
    await send("GetLocalListVersion", {});
    let record = await server.store.getChargePoint("CP-LEARN");
    assertEquals(record?.configuration, [
      { key: "HeartbeatInterval", readonly: false, value: "60" },
      { key: "NumberOfConnectors", readonly: true, value: "2" },
    ]);
    assertEquals(record?.scheduledAvailability?.map((s) => [s.connectorId, s.type]), [[2, "Inoperative"]]);
    assertEquals(record?.localListVersion, 3);

    await send("SendLocalList", { listVersion: 4, updateType: "Full", localAuthorizationList: [] });
    const expiryDate = new Date(Date.now() + 3_600_000).toISOString();
    await send("ReserveNow", { connectorId: 1, expiryDate, idTag: "TAG-R", reservationId: 41 });
    await send("ReserveNow", { connectorId: 2, expiryDate, idTag: "TAG-S", reservationId: 42 });
    await send("CancelReservation", { reservationId: 42 });
    // One that expires unused (the station ends it by itself) is no longer shown once past its expiry.
    const soon = new Date(Date.now() + 1_000).toISOString();
    await send("ReserveNow", { connectorId: 2, expiryDate: soon, idTag: "TAG-T", reservationId: 43 });
    const reserved = await server.json("/api/v1/charge-points/CP-LEARN", { as: "viewer" });
    assertEquals(reserved.body.reservations.map((r: { reservationId: number }) => r.reservationId), [41, 43]);
    await new Promise((r) => setTimeout(r, 1_100));
    record = await server.store.getChargePoint("CP-LEARN");
    assertEquals(record?.localListVersion, 4);
    assertEquals(record?.reservations?.map((r) => [r.reservationId, r.connectorId, r.idTag, r.expiryDate]), [
      [41, 1, "TAG-R", expiryDate],
      [43, 2, "TAG-T", soon],
    ]);
    const shown = await server.json("/api/v1/charge-points/CP-LEARN", { as: "viewer" });
    assertEquals(shown.body.reservations.map((r: { reservationId: number }) => r.reservationId), [41]);

    await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "TAG-R",
      meterStart: 0,
      timestamp: new Date().toISOString(),
      reservationId: 41,
    });
    record = await server.store.getChargePoint("CP-LEARN");
    assertEquals(
      record?.reservations?.map((r) => r.reservationId),
      [],
      "41 used; 43 expired, dropped with the start's write",
    );
    const detail = await server.json("/api/v1/charge-points/CP-LEARN", { as: "viewer" });
    assertEquals([detail.body.localListVersion, detail.body.reservations], [4, []]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

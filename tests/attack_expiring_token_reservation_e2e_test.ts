/**
 * A reservation holds a connector for one card (and its group) and the station refuses everyone else there
 * until it expires: one made with an expiring token for a week, a year, held the connector long after the
 * token. An expiring operator token tries the reservations API, a raw ReserveNow and a ReserveNow job with an
 * expiry after its own: each answers 403 naming the rule and the strict station is sent nothing. A reservation
 * that ends with the token still goes.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring operator token cannot reserve a connector past its own expiry", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "HOLD-1");
  const reserved: string[] = [];
  station.handle("ReserveNow", ({ params }) => {
    reserved.push(params.expiryDate);
    return { status: "Accepted" };
  });
  try {
    await station.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });
    await eventually(
      async () => (await server.json("/api/v1/charge-points/HOLD-1")).body.connectors?.length === 1,
      5000,
      "connector 1 known",
    );
    assertEquals(
      (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "DRIVER-1" } })).status,
      201,
    );
    const hourEnds = new Date(Date.now() + 3_600_000);
    const hour = await expiringToken(server, "operator", hourEnds);
    const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const within = new Date(hourEnds.getTime() - 600_000).toISOString();
    const refused = (res: { status: number; body: { details?: { rule?: string } } }, what: string) => {
      assertEquals(res.status, 403, `${what}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body.details?.rule, "expiring_token_reservation", what);
    };

    const reservation = (expiryDate: string) =>
      hour.call("POST", "/reservations", {
        chargePointId: "HOLD-1",
        connectorId: 1,
        idTag: "DRIVER-1",
        expiryDate,
      });
    refused(await reservation(nextWeek), "the reservations API");
    const raw = { connectorId: 1, expiryDate: nextWeek, idTag: "DRIVER-1", reservationId: 77 };
    refused(await hour.call("POST", "/charge-points/HOLD-1/ReserveNow", raw), "a raw ReserveNow");
    refused(
      await hour.call("POST", "/jobs", { action: "ReserveNow", payload: raw, chargePointIds: ["HOLD-1"] }),
      "a ReserveNow job",
    );
    assertEquals(reserved, [], "the station was sent none of them");
    assertEquals((await server.json("/api/v1/reservations")).body.items, []);

    const made = await reservation(within);
    assertEquals(made.status, 201, JSON.stringify(made.body));
    assertEquals(reserved.map((d) => Date.parse(d)), [Date.parse(within)]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

/**
 * The ledger follows what the station says of a reservation it made, when an operator's raw ReserveNow is sent
 * under its id (strict `ocpp-rpc` 1.6 station, on KV and PostgreSQL):
 * - sent again as it is and refused in time (Occupied): the station holds the one it accepted (a refusal to
 *   replace a reservation keeps it, as the station's snapshot does), so the ledger's stays active;
 * - moved to another connector and tag and accepted (OCPP 1.6 §5.13: replaced): the ledger's takes the new
 *   content, so its old connector can be reserved again and the new holder's start uses it.
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const withoutPostgres = await ignoreWithoutPostgres("the ledger following the station's word on PostgreSQL");
const CP = "CP-RSVWORD";
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

async function reservation(server: ApiTestServer, id: number): Promise<Json> {
  const res = await server.json(`/api/v1/reservations/${id}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function followsTheStation(kind: StoreKind) {
  await withApiServer(
    kind,
    async (server) => {
      for (const idTag of ["OWNER", "OTHER"]) {
        assertEquals((await server.json("/api/v1/id-tags", { method: "POST", body: { idTag } })).status, 201);
      }
      const station = await connectStation(server.wsUrl, CP);
      const answers: string[] = [];
      station.handle("ReserveNow", () => ({ status: answers.shift() ?? "Rejected" }));
      try {
        for (const connectorId of [1, 2]) {
          await station.call("StatusNotification", {
            connectorId,
            errorCode: "NoError",
            status: "Available",
          });
        }
        const expiryDate = inMinutes(60);
        answers.push("Accepted");
        const made = await server.json("/api/v1/reservations", {
          method: "POST",
          as: "operator",
          body: { chargePointId: CP, connectorId: 1, idTag: "OWNER", expiryDate },
        });
        assertEquals(made.status, 201, JSON.stringify(made.body));
        const id = made.body.reservationId as number;
        const raw = (body: Record<string, unknown>) =>
          server.json(`/api/v1/charge-points/${CP}/ReserveNow`, {
            method: "POST",
            as: "operator",
            body: { reservationId: id, ...body },
          });

        // Sent again as it is, refused: the station keeps the one it accepted.
        answers.push("Occupied");
        const again = await raw({ connectorId: 1, idTag: "OWNER", expiryDate });
        assertEquals([again.status, again.body.response?.status ?? again.body.status], [200, "Occupied"]);
        const kept = await reservation(server, id);
        assertEquals([kept.state, kept.endReason], ["active", null], "refused re-send");

        // Moved and accepted: the station holds the new content.
        const moved = inMinutes(90);
        answers.push("Accepted");
        const move = await raw({ connectorId: 2, idTag: "OTHER", expiryDate: moved });
        assertEquals(move.status, 200, JSON.stringify(move.body));
        const now = await reservation(server, id);
        assertEquals(
          [now.state, now.connectorId, now.idTag, Date.parse(now.expiryDate), now.unconfirmed],
          ["active", 2, "OTHER", Date.parse(moved), false],
          "accepted move",
        );
        // Its old connector is free for a reservation again.
        answers.push("Accepted");
        const second = await server.json("/api/v1/reservations", {
          method: "POST",
          as: "operator",
          body: { chargePointId: CP, connectorId: 1, idTag: "OWNER", expiryDate },
        });
        assertEquals(second.status, 201, JSON.stringify(second.body));
        // The new holder's start uses it.
        const start = await station.call("StartTransaction", {
          connectorId: 2,
          idTag: "OTHER",
          meterStart: 0,
          reservationId: id,
          timestamp: new Date().toISOString(),
        });
        assertEquals(start.idTagInfo.status, "Accepted");
        await eventually(
          async () => (await reservation(server, id)).state === "used",
          5000,
          "the moved reservation used by its new holder",
        );
      } finally {
        await closeStation(station);
      }
    },
    {},
    {},
    `rsv45_word_${kind}`,
  );
}

Deno.test("the ledger keeps a reservation its station refused to replace, and follows one it accepted (KV)", () =>
  followsTheStation("kv"));

Deno.test({
  name:
    "the ledger keeps a reservation its station refused to replace, and follows one it accepted (PostgreSQL)",
  ignore: withoutPostgres,
  fn: () => followsTheStation("postgres"),
});

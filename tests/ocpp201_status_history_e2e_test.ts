/**
 * A 2.0.1 station's StatusNotifications in the station's status history, per EVSE and connector, as 1.6
 * ones are per connector: what the API's status history (and the dashboard's activity panel) shows. Driven
 * by npm `ocpp-rpc` in strict mode, on both stores.
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";

const ignorePostgres = await ignoreWithoutPostgres("2.0.1 status history on PostgreSQL");

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name:
      `${kind}: a 2.0.1 station's statuses are in its status history per EVSE and connector, beside 1.6's`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withApiServer(kind, async (server) => {
        const v201 = await connectStation201(server.wsUrl, "CP-H201");
        const v16 = await connectStation(server.wsUrl, "CP-H16");
        try {
          const reports = [
            [1, 1, "Available", "2026-11-25T10:00:00Z"],
            [2, 1, "Faulted", "2026-11-25T10:01:00Z"],
            [1, 1, "Occupied", "2026-11-25T10:02:00Z"],
            // Older than EVSE 1's current status: not its status any more, but what the station said.
            [1, 1, "Unavailable", "2026-11-25T09:00:00Z"],
          ] as const;
          for (const [evseId, connectorId, connectorStatus, timestamp] of reports) {
            assertEquals(
              await v201.call("StatusNotification", { timestamp, connectorStatus, evseId, connectorId }),
              {},
            );
          }
          await v16.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });

          const history = await server.json("/api/v1/charge-points/CP-H201/status-history", { as: "viewer" });
          assertEquals(history.status, 200);
          assertEquals(
            history.body.items.map((h: Record<string, unknown>) => [
              h.evseId,
              h.connectorId,
              h.status,
              h.timestamp,
              h.errorCode,
            ]),
            [
              [1, 1, "Unavailable", "2026-11-25T09:00:00.000Z", undefined],
              [1, 1, "Occupied", "2026-11-25T10:02:00.000Z", undefined],
              [2, 1, "Faulted", "2026-11-25T10:01:00.000Z", undefined],
              [1, 1, "Available", "2026-11-25T10:00:00.000Z", undefined],
            ],
          );
          // The stale report did not replace EVSE 1's current status.
          const detail = await server.json("/api/v1/charge-points/CP-H201", { as: "viewer" });
          assertEquals(
            detail.body.evses.map((e: { evseId: number; status: string }) => [e.evseId, e.status]),
            [[1, "Occupied"], [2, "Faulted"]],
          );
          // 1.6 entries are as they were: a connector, an error code, no EVSE.
          const h16 = await server.json("/api/v1/charge-points/CP-H16/status-history", { as: "viewer" });
          assertEquals(
            h16.body.items.map((
              h: Record<string, unknown>,
            ) => [h.evseId, h.connectorId, h.status, h.errorCode]),
            [[undefined, 1, "Available", "NoError"]],
          );
        } finally {
          await closeStation(v201);
          await closeStation(v16);
        }
      }),
  });
}

/**
 * A station that hears no answer in time (a slow commit) sends its StatusNotification again, under a new
 * message id: the same report (connector, status, error code, texts, the station's timestamp). It is in the
 * status history once, however many copies reach us, pipelined behind the first or after its answer; a report
 * that differs in any of those, the same status at a later time included, is a new entry. Raw ws 1.6 station
 * and an ocpp-rpc strict 2.0.1 station, on KV and on PostgreSQL.
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { closeStation } from "./helpers/station.ts";

const ignorePostgres = await ignoreWithoutPostgres("retried StatusNotifications on PostgreSQL");

const T = "2026-12-07T09:00:00.000Z";
const LATER = "2026-12-07T09:02:00.000Z";

/** The frames answering `ids`, in any order (each read once). */
async function answers(socket: RawSocket, ids: string[]): Promise<unknown[][]> {
  const got: unknown[][] = [];
  for (let i = 0; i < ids.length; i++) got.push(await socket.next() as unknown[]);
  return ids.map((id) => got.find((f) => f[1] === id)!);
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name: `${kind}: a StatusNotification sent again with the same report is in the status history once`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withApiServer(kind, async (server) => {
        const station = await bootedRawStation(`${server.wsUrl}/CP-RETRY16`);
        const v201 = await connectStation201(server.wsUrl, "CP-RETRY201");
        try {
          const faulted = {
            connectorId: 1,
            status: "Faulted",
            errorCode: "GroundFailure",
            info: "earth leak",
            timestamp: T,
          };
          // Its timeout fired before our answer: the copy comes while the first is still being stored.
          station.send(JSON.stringify([2, "first", "StatusNotification", faulted]));
          station.send(JSON.stringify([2, "again", "StatusNotification", faulted]));
          const [first, again] = await answers(station, ["first", "again"]);
          assertEquals([first, again], [[3, "first", {}], [3, "again", {}]]);
          // Its answer lost: sent once more after it was stored.
          station.send(JSON.stringify([2, "once-more", "StatusNotification", faulted]));
          assertEquals(await station.next(), [3, "once-more", {}]);
          // What differs is a new entry: another text, the same status later.
          for (
            const [id, report] of [
              ["other-info", { ...faulted, info: "earth leak, 30 mA" }],
              ["later", { ...faulted, timestamp: LATER }],
            ] as const
          ) {
            station.send(JSON.stringify([2, id, "StatusNotification", report]));
            assertEquals(await station.next(), [3, id, {}]);
          }
          const history = await server.json("/api/v1/charge-points/CP-RETRY16/status-history", {
            as: "viewer",
          });
          assertEquals(history.status, 200);
          assertEquals(
            history.body.items.map((h: Record<string, unknown>) => [h.status, h.info ?? null, h.timestamp]),
            [
              ["Faulted", "earth leak", LATER],
              ["Faulted", "earth leak, 30 mA", T],
              ["Faulted", "earth leak", T],
              ["Available", null, history.body.items.at(-1).timestamp],
            ],
          );

          const report = { timestamp: T, connectorStatus: "Unavailable", evseId: 2, connectorId: 1 };
          assertEquals(await v201.call("StatusNotification", report), {});
          assertEquals(await v201.call("StatusNotification", report), {});
          assertEquals(await v201.call("StatusNotification", { ...report, evseId: 1 }), {});
          const h201 = await server.json("/api/v1/charge-points/CP-RETRY201/status-history", {
            as: "viewer",
          });
          assertEquals(
            h201.body.items.map((h: Record<string, unknown>) => [h.evseId, h.connectorId, h.status]),
            [[1, 1, "Unavailable"], [2, 1, "Unavailable"]],
          );
        } finally {
          await station.close();
          await closeStation(v201);
        }
      }),
  });
}

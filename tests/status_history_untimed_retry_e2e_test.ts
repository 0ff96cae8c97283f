/**
 * A 1.6 station that sends its StatusNotification without a timestamp, hears no answer (it was lost with the
 * connection) and sends the same CALL again (the same message id) on its next connection: the report is in
 * the status history once, though each copy has our receipt time in place of the station's. A report made
 * again under a new CALL is a new entry. Raw ws 1.6 station, on KV and on PostgreSQL.
 */
import { assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { bootedRawStation, openRaw, type RawSocket } from "./helpers/station.ts";

const ignorePostgres = await ignoreWithoutPostgres(
  "timestampless StatusNotifications sent again on PostgreSQL",
);

const FAULTED = { connectorId: 1, status: "Faulted", errorCode: "GroundFailure", info: "earth leak" };

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name:
      `${kind}: a timestampless StatusNotification sent again as the same CALL is in the status history once`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withApiServer(kind, async (server) => {
        const url = `${server.wsUrl}/CP-UNTIMED`;
        let station: RawSocket = await bootedRawStation(url);
        try {
          const call = JSON.stringify([2, "sn-7", "StatusNotification", FAULTED]);
          station.send(call);
          assertEquals(await station.next(), [3, "sn-7", {}]);
          // The answer was lost with the connection: the station connects again and sends the CALL again.
          await station.close();
          station = await openRaw(url);
          station.send(call);
          assertEquals(await station.next(), [3, "sn-7", {}]);
          // And once more on the same connection (its retry timer fired before it read the answer).
          station.send(call);
          assertEquals(await station.next(), [3, "sn-7", {}]);
          // The same words in a CALL of their own: the station said it again.
          station.send(JSON.stringify([2, "sn-8", "StatusNotification", FAULTED]));
          assertEquals(await station.next(), [3, "sn-8", {}]);
          const history = await server.json("/api/v1/charge-points/CP-UNTIMED/status-history", {
            as: "viewer",
          });
          assertEquals(history.status, 200);
          assertEquals(
            history.body.items.map((h: Record<string, unknown>) => [h.status, h.errorCode]),
            [["Faulted", "GroundFailure"], ["Faulted", "GroundFailure"], ["Available", "NoError"]],
          );
        } finally {
          await station.close();
        }
      }),
  });
}

const AVAILABLE = { connectorId: 1, status: "Available", errorCode: "NoError" };

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name:
      `${kind}: a station that reboots and numbers its CALLs afresh has its reports in the status history`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withApiServer(kind, async (server) => {
        const url = `${server.wsUrl}/CP-REBOOTS`;
        /** One boot of a station that numbers its CALLs from 1 each time: Available, then what `next` says. */
        const boot = async (next: unknown) => {
          const station = await openRaw(url);
          try {
            station.send(
              JSON.stringify([2, "1", "BootNotification", {
                chargePointVendor: "Acme",
                chargePointModel: "X",
              }]),
            );
            assertEquals(((await station.next()) as unknown[])[0], 3);
            station.send(JSON.stringify([2, "2", "StatusNotification", AVAILABLE]));
            assertEquals(await station.next(), [3, "2", {}]);
            station.send(JSON.stringify([2, "3", "StatusNotification", next]));
            assertEquals(await station.next(), [3, "3", {}]);
          } finally {
            await station.close();
          }
        };
        // Faulted, then rebooted (a minute later, its usual cure): Available again, Faulted again, cured again.
        await boot(FAULTED);
        await boot(FAULTED);
        await boot(AVAILABLE);
        const history = await server.json("/api/v1/charge-points/CP-REBOOTS/status-history", {
          as: "viewer",
        });
        assertEquals(history.status, 200);
        assertEquals(
          history.body.items.map((h: Record<string, unknown>) => h.status),
          ["Available", "Available", "Faulted", "Available", "Faulted", "Available"],
          "newest first: every report of every boot",
        );
      }),
  });
}

/**
 * Two reservations of one connector asked at the same moment on two nodes of a cluster (two server processes
 * on one PostgreSQL database, the station on node A): both pass the ledger's check, and the station's actor,
 * where the command of either node goes, makes one and refuses the other, since the ReserveNow still waiting
 * for the station's answer counts as held.
 */
import { assertEquals } from "@std/assert";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { reserveVia, seenOnline, withReservationNodes } from "./helpers/reservation_nodes.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("cluster reservation race");

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test({
  name: "two nodes asked to reserve one connector at the same moment: one reservation, one 409",
  ignore,
  fn: () =>
    withReservationNodes("reserve2_cluster", {}, async ({ a, viaA, viaB }) => {
      const station = await connectStation(a.wsUrl, "CP-RACE");
      try {
        let answer!: () => void;
        const answered = new Promise<void>((resolve) => (answer = resolve));
        const asked: Json[] = [];
        station.handle("ReserveNow", async ({ params }) => {
          asked.push(params);
          await answered;
          return { status: "Accepted" };
        });
        await station.call("StatusNotification", {
          connectorId: 1,
          errorCode: "NoError",
          status: "Available",
        });
        await seenOnline(viaB, "CP-RACE");
        const both = Promise.all([
          reserveVia(viaA, "CP-RACE", 1, "OWNER"),
          reserveVia(viaB, "CP-RACE", 1, "NEIGHBOUR"),
        ]);
        await eventually(() => Promise.resolve(asked.length > 0), 10_000, "a ReserveNow reached the station");
        await new Promise((resolve) => setTimeout(resolve, 500));
        answer();
        const results = await both;
        assertEquals(
          results.map((r) => r.status).sort(),
          [201, 409],
          JSON.stringify(results.map((r) => r.body)),
        );
        const won = results.find((r) => r.status === 201)!.body.reservationId;
        assertEquals(results.find((r) => r.status === 409)!.body.details.reservationId, won);
        assertEquals(asked.length, 1);
      } finally {
        await closeStation(station).catch(() => {});
      }
    }),
});

/**
 * A ledger ReserveNow asked on node B of a cluster for a station on node A, queued on A behind commands the
 * station never answers: B gives up (2 × CALL_TIMEOUT_MS + 5 s) before A has even sent it. That give-up is no
 * station timeout on a live connection (A wrote no hold, it had not sent it), so the ledger keeps the
 * reservation held, `unconfirmed`; the station's answer, in time for A, then settles it: Accepted keeps it
 * and confirms it, a refusal ends it. Two server processes on one PostgreSQL database, a raw `ws` 1.6 station.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";

const TIMEOUT_MS = 1000;
/** Unanswered commands ahead of the ReserveNow: their timeouts outlast node B's bound (2 × 1 s + 5 s). */
const AHEAD = 9;

for (const answer of ["Accepted", "Occupied"] as const) {
  const CP = `CP-GIVENUP-${answer.toUpperCase()}`;
  Deno.test({
    name: `a ReserveNow its asking node gave up on while queued stays held, then answered ${answer} ` +
      (answer === "Accepted" ? "stays active" : "ends cancelled"),
    ignore: await ignoreWithoutPostgres("cluster given-up reservation"),
    fn: async () => {
      const db = await migratedDatabase(`ledger42_givenup_${answer.toLowerCase()}`);
      const env = {
        DATABASE_URL: db.url,
        ADMIN_USER: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        CALL_TIMEOUT_MS: String(TIMEOUT_MS),
      };
      const a = await spawnServer(env);
      const b = await spawnServer(env);
      let socket: RawSocket | null = null;
      const pending: Promise<unknown>[] = [];
      try {
        socket = await bootedRawStation(`${a.wsUrl}/${CP}`);
        const viaA = await adminApi(a.url);
        const viaB = await adminApi(b.url);
        assertEquals((await viaA("/id-tags", { method: "POST", body: { idTag: "OWNER" } })).status, 201);
        await eventually(
          async () => (await viaB(`/charge-points/${CP}`)).body.online === true,
          10_000,
          `node B sees ${CP} online on node A`,
        );
        // An operator's commands the station never answers, queued on node A ahead of the reservation.
        for (let i = 0; i < AHEAD; i++) {
          pending.push(viaA(`/charge-points/${CP}/GetConfiguration`, { method: "POST", body: {} }));
        }
        assertEquals((await socket.next(5000) as unknown[])[2], "GetConfiguration");
        const expiryDate = new Date(Date.now() + 3_600_000).toISOString();
        const started = Date.now();
        const asked = await viaB("/reservations", {
          method: "POST",
          body: { chargePointId: CP, connectorId: 1, idTag: "OWNER", expiryDate },
        });
        assertEquals(asked.status, 504, JSON.stringify(asked.body));
        const id = asked.body.details.reservationId as number;
        assertEquals(asked.body.details.held, true, JSON.stringify(asked.body));
        const held = (await viaB(`/reservations/${id}`)).body;
        assertEquals([held.state, held.unconfirmed], ["active", true], JSON.stringify(held));

        // Node A sends it only once the commands ahead have timed out.
        let call: unknown[];
        do call = await socket.next(AHEAD * TIMEOUT_MS + 5000) as unknown[]; while (call[2] !== "ReserveNow");
        assertEquals(Date.now() - started > 2 * TIMEOUT_MS + 5000, true, "sent before node B gave up");
        assertEquals((call[3] as { reservationId: number }).reservationId, id);
        assertEquals((await viaB(`/reservations/${id}`)).body.state, "active");
        socket.send(JSON.stringify([3, call[1], { status: answer }]));

        if (answer === "Accepted") {
          // Its answer is told to the ledger; give it the time a refusal takes to end it.
          await eventually(
            async () =>
              (await viaA(`/charge-points/${CP}`)).body.reservations?.some((r: { reservationId: number }) =>
                r.reservationId === id
              ) === true,
            5000,
            "the station's snapshot holds the accepted reservation",
          );
          await eventually(
            async () => (await viaB(`/reservations/${id}`)).body.unconfirmed === false,
            5000,
            "the ledger confirms it",
          );
          await new Promise((r) => setTimeout(r, 1000));
          assertEquals((await viaB(`/reservations/${id}`)).body.state, "active");
        } else {
          await eventually(
            async () => (await viaB(`/reservations/${id}`)).body.state === "cancelled",
            5000,
            `reservation ${id} refused ${answer} is not held`,
          );
        }
      } finally {
        await socket?.close().catch(() => {});
        await Promise.allSettled(pending);
        await b.kill("SIGTERM");
        await a.kill("SIGTERM");
        await db.drop();
      }
    },
  });
}

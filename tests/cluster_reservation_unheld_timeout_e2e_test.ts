/**
 * A ledger ReserveNow to a station on node A times out while the station has connected again on node B: B's
 * connection wrote the station's record first, so A's actor cannot store the hold its timeout writes into the
 * snapshot (the record is no longer its connection's). The ledger must not read the snapshot without the hold
 * as a refusal: the station never answered and may hold the reservation, so it stays held. Two server
 * processes on one PostgreSQL database; node A frozen (SIGSTOP) while the station reconnects on B, so its
 * timeout fires, on SIGCONT, before it hears of the newer connection. Raw `ws` 1.6 stations.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation, type RawSocket } from "./helpers/station.ts";
import { UNHELD_REASON } from "../actors/errors.ts";

const TIMEOUT_MS = 400;
const CP = "CP-UNHELD";

Deno.test({
  name: "a ReserveNow whose timeout's hold a newer connection kept out of the snapshot stays held",
  ignore: await ignoreWithoutPostgres("cluster unheld reservation timeout"),
  fn: async () => {
    const db = await migratedDatabase("ledger42_unheld");
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      CALL_TIMEOUT_MS: String(TIMEOUT_MS),
    };
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    const sockets: RawSocket[] = [];
    try {
      const viaA = await adminApi(a.url);
      const viaB = await adminApi(b.url);
      assertEquals((await viaA("/id-tags", { method: "POST", body: { idTag: "OWNER" } })).status, 201);
      const old = await bootedRawStation(`${a.wsUrl}/${CP}`);
      sockets.push(old);
      const asked = viaA("/reservations", {
        method: "POST",
        body: {
          chargePointId: CP,
          connectorId: 1,
          idTag: "OWNER",
          expiryDate: new Date(Date.now() + 3_600_000).toISOString(),
        },
      });
      const call = await old.next(5000) as unknown[];
      assertEquals(call[2], "ReserveNow");
      // The station never answers; node A stalls, and the station connects again on node B meanwhile.
      a.child.kill("SIGSTOP");
      try {
        sockets.push(await bootedRawStation(`${b.wsUrl}/${CP}`));
        await eventually(
          async () => (await viaB(`/charge-points/${CP}`)).body.online === true,
          5000,
          `${CP} online on node B`,
        );
        await new Promise((r) => setTimeout(r, TIMEOUT_MS));
      } finally {
        a.child.kill("SIGCONT");
      }
      const answer = await asked;
      assertEquals(answer.status, 504, JSON.stringify(answer.body));
      const { held, reservationId, response } = answer.body.details;
      assertEquals(held, true, JSON.stringify(answer.body));
      assertEquals(response?.reason, UNHELD_REASON, "the hold was kept out by the newer connection");
      await new Promise((r) => setTimeout(r, 500));
      assertEquals((await viaB(`/reservations/${reservationId}`)).body.state, "active");
    } finally {
      for (const socket of sockets) await socket.close().catch(() => {});
      await b.kill("SIGTERM");
      await a.kill("SIGTERM");
      await db.drop();
    }
  },
});

/**
 * A node frozen (SIGSTOP: a VM paused, a long GC or swap stall) past its lease while a station's frame waits
 * in its socket: the station reconnects to another node, sends the start again there, stops it and starts
 * the next session. When the frozen node thaws it serves the stale frame (a replayed start: nothing new in
 * the ledger, rightly) and commits its actor's connectors as it knew them before the freeze, over those the
 * station's current node wrote: the stored snapshot lost connector 1's running transaction (chaos QA,
 * 2026-12-06). The ledger itself is right; the snapshot is what the API of every other node shows and what
 * the next node to hold the station starts from.
 *
 * The row records which connection wrote it (migration 048) and `writeSnapshots` skips a write of an older
 * connection; the thawed actor learns it was replaced and closes its socket (4000).
 */
import { assertEquals } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { connectStation, openRaw } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("frozen node snapshot test");

const START_1 = { connectorId: 1, idTag: "T1", meterStart: 0, timestamp: "2026-12-06T10:00:00.000Z" };

Deno.test({
  name: "a thawed node's stale frame does not write its old connectors over the station's current node's",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("csms_frozen_node");
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      PRESENCE_LEASE_S: "2",
    };
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    const sql = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    try {
      const old = await openRaw(`${a.wsUrl}/FRZ-1`);
      old.send(
        JSON.stringify([2, "b1", "BootNotification", { chargePointVendor: "A", chargePointModel: "B" }]),
      );
      await old.next();
      a.child.kill("SIGSTOP");
      old.send(JSON.stringify([2, "s1", "StartTransaction", START_1]));
      // A's lease (2 s) runs out; the station gives up on A and goes to B.
      await new Promise((r) => setTimeout(r, 3500));
      const station = await connectStation(b.wsUrl, "FRZ-1");
      const first = await station.call("StartTransaction", START_1);
      await station.call("StopTransaction", {
        transactionId: first.transactionId,
        meterStop: 100,
        timestamp: "2026-12-06T10:10:00.000Z",
      });
      const second = await station.call("StartTransaction", {
        connectorId: 1,
        idTag: "T2",
        meterStart: 100,
        timestamp: "2026-12-06T10:20:00.000Z",
      });
      await station.call("StatusNotification", { connectorId: 1, status: "Charging", errorCode: "NoError" });
      a.child.kill("SIGCONT");
      assertEquals((await old.closed).code, 4000);
      await new Promise((r) => setTimeout(r, 1000));

      const [row] = await sql<{ connectors: { connectorId: number; transactionId?: number }[] }[]>`
        select connectors from charge_points where id = 'FRZ-1'`;
      assertEquals(row!.connectors.map((c) => [c.connectorId, c.transactionId]), [[1, second.transactionId]]);
      const viaA = (await (await adminApi(a.url))("/charge-points/FRZ-1")).body;
      assertEquals(viaA.connectors.map((c: { transactionId?: number }) => c.transactionId), [
        second.transactionId,
      ]);
      await station.close({ code: 1000, force: true, awaitPending: false });
    } finally {
      a.child.kill("SIGCONT");
      await sql.end();
      await b.kill("SIGTERM");
      await a.kill("SIGTERM");
      await db.drop();
    }
  },
});

/**
 * A station's snapshot is written only by its newest connection (migration 048 / KV `writtenBy`): a node that
 * was frozen past its lease cannot write its stale connectors over a newer connection's. "Newer" compares the
 * connections' start times, each from its own node's clock, so a clock that ran ahead (another node's, or this
 * one's before NTP stepped it back) left a stamp no later connection could pass until the clock caught up:
 * every write of the station's next connections was refused, the station closed 4000 "Replaced by a new
 * connection" and never answered, over and over. A connection knows every stored writer started before it:
 * it writes as just after the one its load read. Raw ws 1.6 station, on KV and on PostgreSQL.
 *
 * A stale actor's write refused (`replaced`) must not be acknowledged either: an operator's change routed to it
 * (a registration set, a decommission) was answered 200 and never stored.
 */
import { assertEquals } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import { openStores } from "../store/open.ts";
import { startApiServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { openRaw, rawAnswer } from "./helpers/station.ts";

const CP = "CP-SKEW";
const BOOT = { chargePointVendor: "Acme", chargePointModel: "X" };

async function clockSteppedBack(kind: StoreKind) {
  // The server's clock: 10 minutes ahead at first, then right (stepped back).
  let aheadMs = 10 * 60_000;
  await withApiServer(
    kind,
    async (server) => {
      const first = await openRaw(`${server.wsUrl}/${CP}`);
      assertEquals((await rawAnswer(first, "BootNotification", BOOT)).status, "Accepted");
      await rawAnswer(first, "StatusNotification", {
        connectorId: 1,
        errorCode: "NoError",
        status: "Available",
      });
      await first.close();

      aheadMs = 0;
      const again = await openRaw(`${server.wsUrl}/${CP}`);
      try {
        assertEquals((await rawAnswer(again, "BootNotification", BOOT)).status, "Accepted");
        await rawAnswer(again, "StatusNotification", {
          connectorId: 1,
          errorCode: "NoError",
          status: "Preparing",
        });
        const stored = await server.json(`/api/v1/charge-points/${CP}`, { as: "viewer" });
        assertEquals(stored.body.connectors?.[0]?.status, "Preparing", JSON.stringify(stored.body));
        const closed = await Promise.race([
          again.closed,
          new Promise((r) => setTimeout(() => r("open"), 300)),
        ]);
        assertEquals(closed, "open");
      } finally {
        await again.close();
      }
    },
    {},
    { now: () => new Date(Date.now() + aheadMs) },
    `review40_skew_${kind}`,
  );
}

Deno.test("a station's next connection writes its snapshot after the server's clock stepped back (KV)", () =>
  clockSteppedBack("kv"));

Deno.test({
  name: "a station's next connection writes its snapshot after the server's clock stepped back (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("snapshot writer clock test"),
  fn: () => clockSteppedBack("postgres"),
});

Deno.test({
  name: "an operator's change routed to a replaced connection's actor is stored, not only answered",
  ignore: await ignoreWithoutPostgres("snapshot writer operator test"),
  fn: async () => {
    const db = await migratedDatabase("review40_stale_op");
    const sql = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    const stores = await openStores(parseConfig({ DATABASE_URL: db.url }), createMemoryLogger());
    const server = await startApiServer({}, stores);
    try {
      const station = await openRaw(`${server.wsUrl}/${CP}`);
      assertEquals((await rawAnswer(station, "BootNotification", BOOT)).status, "Accepted");
      // The station's newer connection (on another node, which this one has not heard of yet) wrote its row.
      await sql`update charge_points set written_by_connected_at = ${
        new Date(Date.now() + 60_000).toISOString()
      },
        written_by_node = 'another-node' where id = ${CP}`;
      const set = await server.json(`/api/v1/charge-points/${CP}`, {
        method: "PUT",
        body: { registrationStatus: "Rejected" },
      });
      assertEquals(set.status, 200, JSON.stringify(set.body));
      const [row] = await sql<{ registration_status: string }[]>`
        select registration_status from charge_points where id = ${CP}`;
      assertEquals(row?.registration_status, "Rejected", "answered 200: stored");
      assertEquals((await station.closed).code, 4000);
    } finally {
      await server.close();
      await stores.close();
      await sql.end();
      await db.drop();
    }
  },
});

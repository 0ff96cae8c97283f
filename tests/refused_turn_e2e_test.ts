/**
 * A turn whose snapshot write the store refused (`replaced`: a newer connection of the station, on another
 * node, wrote the record) happened on a stale connection: what it decided is not the station's state. Such a
 * turn publishes no event and runs no follow-up, so an old connection's StatusNotification Faulted, served
 * late (a node thawed after a freeze), neither cancels the reservation on that connector nor reaches the
 * live stream; the station is not answered (its socket closed 4000), so it sends what matters again on its
 * current connection. Raw ws 1.6 station, on KV and on PostgreSQL; the newer connection's write is made
 * through the same store, as another node's would be.
 */
import { assertEquals } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import type { Connection } from "../model/newest_connection.ts";
import { kvFleetStore } from "../store/kv/fleet.ts";
import { KvStore, openKvHandle } from "../store/kv/mod.ts";
import type { Store } from "../store/mod.ts";
import { openStores } from "../store/open.ts";
import type { ServerOptions } from "../server.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import type { StoreKind } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { reserveForOwner } from "./helpers/reservation_stores.ts";
import { readEvents } from "./helpers/sse.ts";
import { bootedRawStation } from "./helpers/station.ts";

const CP = "CP-REFUSED";

/** The server on `kind`, with the Store it writes through (the test writes as another node). */
async function withServerAndStore(
  kind: StoreKind,
  fn: (server: ApiTestServer, store: Store) => Promise<void>,
): Promise<void> {
  if (kind === "kv") {
    const kv = await openKvHandle(":memory:");
    const store = new KvStore(kv);
    const options: ServerOptions & { store: Store } = { store, fleet: kvFleetStore(kv) };
    const server = await startApiServer({}, options);
    try {
      return await fn(server, store);
    } finally {
      await server.close();
      await store.close();
    }
  }
  const db = await migratedDatabase("turn42_refused");
  try {
    const stores = await openStores(parseConfig({ DATABASE_URL: db.url }), createMemoryLogger());
    try {
      const server = await startApiServer({}, stores);
      try {
        await fn(server, stores.store);
      } finally {
        await server.close();
      }
    } finally {
      await stores.close();
    }
  } finally {
    await db.drop();
  }
}

async function staleFaultedPublishesNothing(kind: StoreKind) {
  await withServerAndStore(kind, async (server, store) => {
    assertEquals(
      (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "OWNER" } })).status,
      201,
    );
    const old = await bootedRawStation(`${server.wsUrl}/${CP}`);
    try {
      const reserving = reserveForOwner(server, CP);
      const call = await old.next() as unknown[];
      assertEquals(call[2], "ReserveNow");
      old.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
      const reserved = await reserving;
      assertEquals(reserved.status, 201, JSON.stringify(reserved.body));
      const id = reserved.body.reservationId as number;

      // The station's newer connection, on a node this one has not heard from, wrote its snapshot.
      const newer: Connection = {
        connectedAt: new Date(Date.now() + 60_000).toISOString(),
        nodeId: "node-b",
      };
      const available = [{
        connectorId: 1,
        status: "Available" as const,
        errorCode: "NoError" as const,
        timestamp: new Date().toISOString(),
      }];
      await store.commit({ chargePointId: CP, snapshot: { connectors: available }, connection: newer });

      const stream = await server.api("/api/v1/events", { as: "viewer" });
      assertEquals(stream.status, 200);
      const seen = readEvents(stream.body!, (e) => e.event === "status" && e.data.status === "Faulted", 1500);
      // The old connection's stale frame, served now.
      old.send(JSON.stringify([2, "stale-1", "StatusNotification", {
        connectorId: 1,
        errorCode: "GroundFailure",
        status: "Faulted",
      }]));
      assertEquals((await old.closed).code, 4000);
      assertEquals(old.received, [], "a refused turn is not answered");
      const events = await seen;
      assertEquals(
        events.filter((e) => e.event === "status" || e.event === "reservation").map((e) => e.data),
        [],
        "a refused turn publishes nothing",
      );
      // Load management and the ledger follow the same events: the reservation stands.
      await new Promise((r) => setTimeout(r, 300));
      const after = await server.json(`/api/v1/reservations/${id}`, { as: "viewer" });
      assertEquals(after.body.state, "active", JSON.stringify(after.body));
      const stored = (await store.getChargePoint(CP))!;
      assertEquals(stored.connectors.map((c) => c.status), ["Available"], "the newer connection's snapshot");
    } finally {
      await old.close();
    }
  });
}

Deno.test("a stale connection's refused turn publishes nothing and cancels no reservation (KV)", () =>
  staleFaultedPublishesNothing("kv"));

Deno.test({
  name: "a stale connection's refused turn publishes nothing and cancels no reservation (PostgreSQL)",
  ignore: await ignoreWithoutPostgres("refused turn test"),
  fn: () => staleFaultedPublishesNothing("postgres"),
});

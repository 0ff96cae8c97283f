/**
 * A change a replaced connection could not write (`keepReservation`) goes to the station's current connection,
 * also when this node learns where that is only later (a cluster's presence lagging, as after a freeze): not to
 * the store as for a station offline, out of the current actor's sight.
 */
import { assertEquals } from "@std/assert";
import { EventBus } from "./events.ts";
import { FrameLog } from "./frame_log.ts";
import { SETTINGS } from "./handlers/fakes.ts";
import { Registry } from "./registry.ts";
import type { RemoteStations, StationConnection } from "./remote_stations.ts";
import type { SnapshotChange } from "../model/snapshot_change.ts";
import { createMemoryLogger } from "../logger.ts";
import { openKvStore } from "../store/kv/mod.ts";

const CP = "CP-KEEP";
const KEEP: SnapshotChange = {
  change: "keepReservation",
  reservation: {
    reservationId: 7,
    connectorId: 1,
    idTag: "OWNER",
    expiryDate: "2099-01-01T00:00:00.000Z",
    requestedAt: "2026-12-07T11:59:00.000Z",
  },
  at: "2026-12-07T12:00:00.000Z",
};

async function setUp(replacedChangeWaitMs: number) {
  const store = await openKvStore(":memory:");
  const logger = createMemoryLogger();
  const registry = new Registry({
    store,
    logger,
    events: new EventBus(),
    frames: new FrameLog(0, 0),
    now: () => new Date(),
    newMessageId: () => crypto.randomUUID(),
    vendors: {},
    settings: SETTINGS,
  }, { sweepIntervalMs: 1000, replacedChangeWaitMs });
  // Node B holds the station; this node learns it `knownAfterMs` after the replaced actor stopped.
  const owner: StationConnection = {
    id: CP,
    remoteAddress: "10.0.0.1",
    connectedAt: KEEP.at,
    nodeId: "node-b",
  };
  const handed: unknown[] = [];
  let known = false;
  const remote = {
    nodeId: "node-a",
    connection: (id: string) => known && id === CP ? owner : null,
    updateSnapshot: (to: StationConnection, update: unknown) => {
      handed.push({ to: to.nodeId, update });
      return Promise.resolve({} as never);
    },
  } as Partial<RemoteStations> as RemoteStations;
  registry.attachCluster(remote);
  const replaced = { stopped: Promise.resolve(), log: logger };
  return {
    store,
    registry,
    handed,
    forward: (knownAfterMs: number | null) => {
      if (knownAfterMs !== null) setTimeout(() => (known = true), knownAfterMs);
      return registry.forwardReplaced(CP, replaced, KEEP);
    },
  };
}

Deno.test("Registry hands a replaced connection's change to the current one once its presence arrives", async () => {
  const t = await setUp(2000);
  try {
    await t.forward(200);
    assertEquals(t.handed, [{ to: "node-b", update: KEEP }]);
    // Nothing written as for a station offline (the record the current actor holds in memory).
    assertEquals(await t.store.getChargePoint(CP), null);
  } finally {
    await t.registry.shutdown();
    t.store.close();
  }
});

Deno.test("Registry writes a replaced connection's change as offline when no current connection shows up", async () => {
  const t = await setUp(150);
  try {
    await t.forward(null);
    assertEquals(t.handed, []);
    assertEquals((await t.store.getChargePoint(CP))?.reservations?.map((r) => r.reservationId), [7]);
  } finally {
    await t.registry.shutdown();
    t.store.close();
  }
});

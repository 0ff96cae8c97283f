/**
 * The disk under PostgreSQL's data files fills up (ENOSPC) while stations run sessions on the real server,
 * and later space is freed. A throwaway cluster of our own (tests/helpers/pg_cluster.ts, run as the
 * `postgres` user) keeps its data on a small tmpfs (tests/helpers/small_disk.ts) and its WAL on another disk,
 * so PostgreSQL refuses to extend a table or an index: SQLSTATE 53100 "could not extend file ... No space
 * left on device", as on a real full data disk.
 *
 * - While it is full: a CALL whose write is refused is answered InternalError, never a CALLRESULT for what
 *   was not stored; /readyz is 503 (`store/write_health.ts`: 53100 refuses every write) and the metric says
 *   the store's writes fail, while /healthz says the process lives. Writes that still fit (an update in
 *   place) are stored meanwhile, and end no episode: it is logged once, not at each of them.
 * - Once space is back: the server writes again by itself, /readyz is 200, and everything the stations were
 *   answered is stored once.
 *
 * Needs root (the tmpfs) and PostgreSQL's server binaries; otherwise ignored with the reason.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { adminCookie } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { missingBinaries, ThrowawayCluster } from "./helpers/pg_cluster.ts";
import { spawnServer } from "./helpers/process.ts";
import {
  assertRepliedWithin,
  differencesFrom,
  driveSessions,
  RetryingStation,
} from "./helpers/retrying_station.ts";
import { eventually } from "./helpers/server.ts";
import { mountSmallDisk, smallDiskUnavailable } from "./helpers/small_disk.ts";
import { metricValue } from "./helpers/metric_value.ts";
import { writesResumed } from "./helpers/writes_resumed.ts";

const unavailable = (await smallDiskUnavailable()) ?? missingBinaries();
if (unavailable !== null) console.log(`PostgreSQL full-disk test ignored: ${unavailable}`);

const STATIONS = 6;
const READINGS = 4;
const T0 = Date.parse("2026-12-07T08:00:00Z");
/** CALLs answered InternalError while the disk is full, at least, before the test frees it. */
const FAILED_CALLS = 30;
/** No reply may take this long: a write the disk refuses fails at once. */
const SLOWEST_REPLY_MS = 5_000;

/** Creates the test's database on the cluster; its URL. */
async function createDatabase(cluster: ThrowawayCluster, name: string): Promise<string> {
  const root = openPostgresPool(cluster.url, { max: 1, onnotice: () => {} });
  try {
    await root`create database ${root(name)}`;
  } finally {
    await root.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}

Deno.test({
  name:
    "PostgreSQL on a full data disk: refused writes answered InternalError, /readyz 503, writes come back by themselves with nothing lost or twice",
  ignore: unavailable !== null,
  fn: async () => {
    const disk = await mountSmallDisk(128);
    let cluster: ThrowawayCluster | undefined;
    try {
      cluster = await ThrowawayCluster.create({ dataOn: disk.path });
      const url = await createDatabase(cluster, "pgfault45_full_disk");
      const env = {
        DATABASE_URL: url,
        STATION_MSG_RATE: "0",
        // Every Heartbeat writes lastSeen: an update that fits its page (charge_points keeps room for
        // updates in place, migration 017), stored while the disk is full, between the refused writes.
        LAST_SEEN_INTERVAL_S: "0",
        ADMIN_USER: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
      };
      const server = await spawnServer(env);
      const stations: RetryingStation[] = [];
      let beating: RetryingStation | undefined;
      let exited = false;
      void server.child.status.then(() => (exited = true));
      try {
        const cookie = await adminCookie(server.url);
        for (let i = 0; i < STATIONS; i++) {
          stations.push(await RetryingStation.open(server.wsUrl, `PGF45-DF-${i}`));
        }
        let stop = false;
        const driving = driveSessions(stations, T0, READINGS, () => stop);
        beating = await RetryingStation.open(server.wsUrl, "PGF45-DF-BEAT");
        const beats = (async () => {
          while (!stop) {
            await beating!.call("Heartbeat", {});
            await new Promise((r) => setTimeout(r, 50));
          }
        })();
        const failed = () => stations.reduce((n, s) => n + s.internalErrors, 0);
        await eventually(() => stations.every((s) => s.sessions.length > 0), 15_000, "a session per station");

        await disk.fill();
        await eventually(
          () => failed() >= FAILED_CALLS,
          60_000,
          `${FAILED_CALLS} CALLs answered InternalError`,
        );
        const ready = await fetch(`${server.url}/readyz`);
        const readyBody = await ready.json();
        assertEquals(ready.status, 503, `readiness while no write is stored: ${JSON.stringify(readyBody)}`);
        // The reason only (tests/readiness_e2e_test.ts); the store's error is the admin's server warning.
        assertEquals(readyBody.reason, "store_writes_failing");
        assertEquals(JSON.stringify(readyBody).includes("No space"), false, JSON.stringify(readyBody));
        const warnings = await fetch(`${server.url}/api/v1/server-warnings`, { headers: { cookie } });
        const warned = await warnings.json();
        assertEquals(warnings.status, 200, JSON.stringify(warned));
        assertMatch(JSON.stringify(warned.items), /No space left on device|could not extend/i);
        const alive = await fetch(`${server.url}/healthz`);
        await alive.body?.cancel();
        assertEquals(alive.status, 200);
        assertEquals(await metricValue(server.url, cookie, /^csms_store_writes_failing /), 1);

        await disk.free();
        await writesResumed(server.url, stations, { sessionWithinMs: 30_000, readyWithinMs: 15_000 });
        assertEquals(await metricValue(server.url, cookie, /^csms_store_writes_failing /), 0);
        stop = true;
        await driving;
        await beats;
        assert(!exited, "the server must not exit on a full disk");
        assertRepliedWithin(stations, SLOWEST_REPLY_MS);
        // One episode: writes that still fit (an update in place) between refused ones do not end it.
        const episodes = server.logs.filter((l) =>
          l.msg === "store writes failing" || l.msg === "store writes recovered"
        );
        assertEquals(episodes.map((l) => l.msg), ["store writes failing", "store writes recovered"]);
        assertEquals(server.logs.filter((l) => l.msg === "call failed" && l.level === "error").length, 0);
      } finally {
        await Promise.all([...stations, beating].map((s) => s?.raw.close()));
        await server.kill("SIGTERM");
      }
      // Everything answered is stored, once.
      const store = await openPostgresStore(url, { migrate: false });
      try {
        const differences = await differencesFrom(store, stations.flatMap((s) => s.sessions));
        assertEquals(differences.slice(0, 10), [], `${differences.length} differences`);
      } finally {
        await store.close();
      }
    } finally {
      await disk.free();
      await cluster?.destroy();
      await disk.remove();
    }
  },
});

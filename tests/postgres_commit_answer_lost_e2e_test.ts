/**
 * PostgreSQL committed a group commit but its answer never reached the server: the connection broke between
 * PostgreSQL's COMMIT and our reading of it (a network cut, a restarted proxy, pg_terminate_backend a moment
 * late). Every station of that batch hears InternalError though its data is stored, and sends its CALL again
 * with the same data (OCPP 1.6 §4.10). Each retry must be answered as the first would have been (the same
 * transactionId), and the store must hold every session once: no transaction twice, no meter value twice,
 * energy counted once.
 */
import { assertEquals, assertGreater, assertLess } from "@std/assert";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { differencesFrom, RetryingStation } from "./helpers/retrying_station.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

const noPostgres = await ignoreWithoutPostgres("PostgreSQL lost-commit-answer test");

const STATIONS = 40;
/** Sessions each station runs at least; more while COMMIT answers are still to be lost, up to MAX_SESSIONS. */
const SESSIONS = 3;
/** A fast machine ran the 3 sessions before every loss was made (CI): the stations go on until then. */
const MAX_SESSIONS = 100;
const READINGS = 5;
/** COMMIT answers dropped while the stations run. */
const LOST_COMMITS = 6;
/** A commit whose connection broke fails at once: no reply waits for the 10 s bound. */
const SLOWEST_REPLY_MS = 5_000;
const T0 = Date.parse("2026-11-25T08:00:00Z");

Deno.test({
  name:
    "PostgreSQL: a group commit whose COMMIT answer is lost is retried by its stations without a session stored twice",
  ignore: noPostgres,
  fn: async () => {
    const db = await migratedDatabase("faults42_lost_commit");
    const proxy = tcpProxy(new URL(db.url));
    const server = await spawnServer({
      DATABASE_URL: proxy.url(db.url),
      CLUSTER: "off",
      STATION_MSG_RATE: "0",
    });
    const stations: RetryingStation[] = [];
    try {
      for (let i = 0; i < STATIONS; i++) {
        stations.push(await RetryingStation.open(server.wsUrl, `CP-LC-${i}`));
      }
      let lossesMade = false;
      const driving = Promise.all(stations.map(async (s, i) => {
        let second = 0;
        const clock = () => new Date(T0 + i * 86_400_000 + second++ * 1000).toISOString();
        let meter = 0;
        for (let n = 0; n < SESSIONS || (!lossesMade && n < MAX_SESSIONS); n++) {
          meter = await s.session(clock, meter, READINGS);
        }
      }));
      let lost = 0;
      for (let n = 0; n < LOST_COMMITS; n++) {
        await new Promise((r) => setTimeout(r, 150));
        if (await Promise.race([proxy.loseNextCommitAnswer().then(() => true), driving.then(() => false)])) {
          lost++;
        }
      }
      lossesMade = true;
      await driving;
      assertEquals(lost, LOST_COMMITS, "COMMIT answers lost while the stations ran");
      const slowest = Math.max(...stations.map((s) => s.slowestReplyMs));
      const slow = stations.find((s) => s.slowestReplyMs === slowest)!;
      assertLess(
        slowest,
        SLOWEST_REPLY_MS,
        `${slow.id}'s ${slow.slowestCall} took ${Math.round(slowest)} ms`,
      );
      const retried = stations.reduce((n, s) => n + s.internalErrors, 0);
      assertGreater(retried, 0, "stations heard InternalError for the commits whose answer was lost");
    } finally {
      await Promise.all(stations.map((s) => s.raw.close()));
      await server.kill("SIGTERM");
      await proxy.close();
    }
    const store = await openPostgresStore(db.url);
    try {
      const differences = await differencesFrom(store, stations.flatMap((s) => s.sessions));
      assertEquals(differences.slice(0, 10), [], `${differences.length} differences`);
    } finally {
      await store.close();
      await db.drop();
    }
  },
});

/**
 * A guesser of station keys that spreads its handshakes over the nodes of a cluster: each node keeps a budget
 * of failed key checks per source (STATION_AUTH_FAILURE_BURST, refilled at STATION_AUTH_FAILURE_RATE), and
 * with budgets per process alone two nodes gave twice the guesses. The failures are shared through PostgreSQL
 * (migration 049), so the cluster gives one budget. Real WebSocket handshakes (ws) with ever new ids from one
 * loopback address, alternating between two servers on one database.
 */
import { assert, assertEquals } from "@std/assert";
import { openPostgresSecurityViews, type SecurityViews } from "../cluster/postgres_views.ts";
import { createMemoryLogger } from "../logger.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { freshDatabase, ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { attempt, basic } from "./helpers/secure_station.ts";

const ATTACKER = "127.0.0.9";
const BURST = 20;
const RATE = 0.5;
/** Checks of one source running at once, per node: what may slip past the budget while they run. */
const PER_SOURCE = 2;
const ENV = {
  SECURITY_PROFILE: "1",
  STATION_AUTH_FAILURE_BURST: String(BURST),
  STATION_AUTH_FAILURE_RATE: String(RATE),
  STATION_AUTH_CHECKS_PER_SOURCE: String(PER_SOURCE),
  // The per-id back-off never comes into it: every id is new.
};

/** Handshakes with ever new ids and a wrong key from ATTACKER, 16 at a time, alternating over `urls`. */
async function guessOver(urls: string[], ms: number): Promise<number[]> {
  const statuses: number[] = [];
  const end = performance.now() + ms;
  let n = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const i = n++;
      const id = `GUESS-${i}`;
      const a = await attempt(`${urls[i % urls.length]}/${id}`, {
        localAddress: ATTACKER,
        headers: basic(id, "guess-guess-guess-guess"),
      } as Record<string, unknown>);
      if (a.open) {
        await a.close();
        statuses.push(101);
      } else statuses.push(a.status);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return statuses;
}

const ignore = await ignoreWithoutPostgres("cluster key check budget tests");

Deno.test({
  name: "key guesses spread over two nodes get one budget of failed checks, not one per node",
  ignore,
  async fn() {
    const db = await freshDatabase("csms_key_budget");
    const views: SecurityViews[] = [];
    const servers: ApiTestServer[] = [];
    try {
      await (await openPostgresStore(db.url)).close(); // the migrations, key_check_budgets among them
      for (const nodeId of ["a", "b"]) {
        const shared = openPostgresSecurityViews(db.url, { nodeId, logger: createMemoryLogger() });
        views.push(shared);
        servers.push(await startApiServer(ENV, { sharedSecurity: shared }));
      }
      const started = performance.now();
      const statuses = await guessOver(servers.map((s) => s.wsUrl), 3000);
      const seconds = (performance.now() - started) / 1000;
      const hashed = statuses.filter((s) => s === 401).length;
      assertEquals(hashed + statuses.filter((s) => s === 429).length, statuses.length);
      // One budget and its refill, plus the checks that were running on both nodes when it ran out. With a
      // budget per node the two nodes hash about twice BURST.
      const allowed = BURST + Math.ceil(seconds * RATE) + 2 * PER_SOURCE;
      assert(
        hashed <= allowed,
        `${hashed} key checks over two nodes in ${seconds.toFixed(1)} s (at most ${allowed})`,
      );
      assert(hashed >= BURST, `${hashed} key checks: the budget itself is given`);
      // Each node now refuses the source before hashing, whichever node spent the budget.
      for (const server of servers) {
        const a = await attempt(`${server.wsUrl}/GUESS-LAST`, {
          localAddress: ATTACKER,
          headers: basic("GUESS-LAST", "guess-guess-guess-guess"),
        } as Record<string, unknown>);
        assert(!a.open && a.status === 429, `expected 429, got ${a.open ? 101 : a.status}`);
      }
      // Another address is not held back by the guesser's budget.
      const other = await attempt(`${servers[1]!.wsUrl}/GUESS-OTHER`, {
        localAddress: "127.0.0.10",
        headers: basic("GUESS-OTHER", "guess-guess-guess-guess"),
      } as Record<string, unknown>);
      assert(!other.open && other.status === 401, `expected 401, got ${other.open ? 101 : other.status}`);
    } finally {
      for (const server of servers) await server.close();
      for (const shared of views) await shared.close();
      await db.drop();
    }
  },
});

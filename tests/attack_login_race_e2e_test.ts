/**
 * Guessing an operator's password with many logins at once, as an attacker would (QA: 60 parallel `curl`s got
 * 38 answers 401, each a real guess, against 6 one after another): the back-off must count a login before its
 * slow password check, so parallel guesses get no more tries than sequential ones. On one process, and on two
 * nodes sharing the back-off through PostgreSQL, with the guesses spread over both.
 */
import { assertEquals } from "@std/assert";
import { openPostgresSecurityViews, type SecurityViews } from "../cluster/postgres_views.ts";
import { createMemoryLogger } from "../logger.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { ADMIN, type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";

const GUESSES = 60;
/**
 * AUTH_FREE_FAILURES=5: five free failures, and the sixth (which starts the wait) is still a guess. The cap on
 * a source's checks at once (LOGIN_CHECKS_PER_SOURCE, tests/attack_login_cpu_e2e_test.ts) is lifted: it would
 * refuse most of the 60 before the back-off is asked, and the back-off's own count is what is tested here.
 */
const ENV = { AUTH_FREE_FAILURES: "5", AUTH_BACKOFF_BASE_S: "60", LOGIN_CHECKS_PER_SOURCE: "1000" };
const GUESSES_ALLOWED = 6;

/** One login on its own connection from `localAddress`; its status. */
async function login(url: string, localAddress: string, password: string): Promise<number> {
  const client = Deno.createHttpClient({ localAddress, poolMaxIdlePerHost: 0 });
  try {
    const res = await fetch(`${url}/api/v1/auth/login`, {
      client,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: ADMIN.username, password }),
    });
    await res.body?.cancel();
    return res.status;
  } finally {
    client.close();
  }
}

/** All `GUESSES` wrong logins sent at once, the i-th to `urls[i % urls.length]`; how often each status came. */
async function guessAtOnce(urls: string[], localAddress: string): Promise<Record<number, number>> {
  const statuses = await Promise.all(
    Array.from({ length: GUESSES }, (_, i) => login(urls[i % urls.length]!, localAddress, `wrong-${i}`)),
  );
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

Deno.test("60 wrong logins at once get no more guesses than 60 one after another", async () => {
  const server = await startApiServer(ENV);
  try {
    const counts = await guessAtOnce([server.url], "127.0.0.6");
    assertEquals(counts, { 401: GUESSES_ALLOWED, 429: GUESSES - GUESSES_ALLOWED });
    assertEquals(await login(server.url, "127.0.0.6", ADMIN.password), 429, "the guesser waits");
    assertEquals(
      await login(server.url, "127.0.0.7", ADMIN.password),
      200,
      "the operator elsewhere does not",
    );
    const failed = await server.json("/api/v1/security-events?kind=login_failed");
    assertEquals(failed.body.items.length, GUESSES_ALLOWED);
  } finally {
    await server.close();
  }
});

const ignore = await ignoreWithoutPostgres("cluster login back-off tests");

Deno.test({
  name: "60 wrong logins at once spread over two nodes get no more guesses than on one",
  ignore,
  async fn() {
    const db = await migratedDatabase("csms_login_race");
    const views: SecurityViews[] = [];
    const servers: ApiTestServer[] = [];
    try {
      await (await openPostgresStore(db.url)).close(); // the migrations, auth_backoff among them
      for (const nodeId of ["a", "b"]) {
        const shared = openPostgresSecurityViews(db.url, { nodeId, logger: createMemoryLogger() });
        views.push(shared);
        servers.push(await startApiServer(ENV, { sharedSecurity: shared }));
      }
      const counts = await guessAtOnce(servers.map((s) => s.url), "127.0.0.8");
      assertEquals(counts, { 401: GUESSES_ALLOWED, 429: GUESSES - GUESSES_ALLOWED });
      for (const server of servers) {
        assertEquals(await login(server.url, "127.0.0.8", ADMIN.password), 429, "no fresh budget on a node");
      }
      const failures = await Promise.all(
        servers.map((s) => s.json("/api/v1/security-events?kind=login_failed")),
      );
      // Each node keeps its own event log here (in-memory stores); together they hold every guess. (Which
      // node admitted them is the race's: all six may fall to one.)
      assertEquals(failures.reduce((n, f) => n + f.body.items.length, 0), GUESSES_ALLOWED);
    } finally {
      for (const server of servers) await server.close();
      for (const shared of views) await shared.close();
      await db.drop();
    }
  },
});

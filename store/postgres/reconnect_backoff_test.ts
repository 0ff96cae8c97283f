/**
 * A pool whose connection attempts failed a few times (the database restarting, its backends killed again
 * and again) serves its next query promptly once the database answers: postgres.js's own back-off had that
 * query wait 3.6-7.3 s after six failed attempts, and up to 20 s later, past every call's 10 s bound.
 */
import { assertEquals, assertLess } from "@std/assert";
import { ignoreWithoutPostgres, SERVER_URL } from "../../tests/helpers/postgres.ts";
import { openMigratedPool } from "./migrate.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL reconnect back-off test");

/** A port that forwards to the test server while open and refuses connections while shut. */
function switchableForward(target: URL) {
  let listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const conns = new Set<Deno.Conn>();
  const pipes: Promise<unknown>[] = [];
  const serve = (l: Deno.Listener) =>
    (async () => {
      for await (const client of l) {
        const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port || 5432) });
        conns.add(client).add(server);
        pipes.push(
          client.readable.pipeTo(server.writable).catch(() => {}),
          server.readable.pipeTo(client.writable).catch(() => {}),
        );
      }
    })().catch(() => {});
  let serving = serve(listener);
  return {
    url(url: string): string {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    /** Closes every connection and refuses new ones. */
    async shut(): Promise<void> {
      try {
        listener.close();
      } catch {
        // shut already
      }
      await serving;
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed already
        }
      }
      conns.clear();
      await Promise.all(pipes.splice(0));
    },
    open(): void {
      listener = Deno.listen({ hostname: "127.0.0.1", port });
      serving = serve(listener);
    },
    async close(): Promise<void> {
      await this.shut();
    },
  };
}

Deno.test({
  name:
    "a pool whose connection attempts were refused answers its next query promptly once the database is back",
  ignore,
  fn: async () => {
    const forward = switchableForward(new URL(SERVER_URL));
    const sql = await openMigratedPool(forward.url(SERVER_URL), {
      maxConnections: 1,
      applicationName: "stall-reconnect-backoff",
      migrate: false,
    });
    try {
      await forward.shut();
      // Each query is handed to the closed connection, whose attempt is refused: one failed attempt more (the
      // first may meet the connection closing instead).
      let refused = 0;
      for (let i = 0; i < 12 && refused < 6; i++) {
        await sql`select 1`.catch((e: { code?: string }) => e.code === "ECONNREFUSED" && refused++);
      }
      assertEquals(refused, 6);
      forward.open();
      const started = performance.now();
      const [row] = await sql<{ one: number }[]>`select 1 as one`;
      assertEquals(row?.one, 1);
      assertLess(performance.now() - started, 1_500, "answered without a back-off of seconds");
    } finally {
      await sql.end({ timeout: 1 });
      await forward.close();
    }
  },
});

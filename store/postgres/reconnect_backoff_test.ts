/**
 * A pool whose connection attempts failed a few times (the database restarting, its backends killed again
 * and again) serves its next query promptly once the database answers: postgres.js's own back-off had that
 * query wait 3.6-7.3 s after six failed attempts, and up to 20 s later, past every call's 10 s bound.
 */
import { assertEquals, assertLess } from "@std/assert";
import { ignoreWithoutPostgres, SERVER_URL } from "../../tests/helpers/postgres.ts";
import { switchableForward } from "../../tests/helpers/switchable_forward.ts";
import { openMigratedPool } from "./migrate.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL reconnect back-off test");

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

/**
 * The cluster's own pools reconnect as promptly as the stores': the shared security views (the auth back-off,
 * the key checks' budgets, the refused handshakes) of a node whose connection attempts were refused a few
 * times answer as soon as the database is back, not after postgres.js's own back-off of seconds.
 */
import { assertEquals, assertLess } from "@std/assert";
import { freshDatabase, ignoreWithoutPostgres } from "../tests/helpers/postgres.ts";
import { switchableForward } from "../tests/helpers/switchable_forward.ts";
import { createLogger } from "../logger.ts";
import { openMigratedPool } from "../store/postgres/migrate.ts";
import { openPostgresSecurityViews } from "./postgres_views.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL cluster reconnect back-off test");

Deno.test({
  name: "the shared security views, refused a few times, answer promptly once the database is back",
  ignore,
  fn: async () => {
    const db = await freshDatabase("stall2_cluster_backoff");
    const forward = switchableForward(new URL(db.url));
    try {
      const migrated = await openMigratedPool(db.url, {
        maxConnections: 1,
        applicationName: "stall2-migrate",
      });
      await migrated.end();
      const views = openPostgresSecurityViews(forward.url(db.url), {
        nodeId: "stall2-node",
        logger: createLogger({ level: "error" }),
        maxConnections: 1,
      });
      try {
        assertEquals(await views.handshakes.list(1), []);
        await forward.shut();
        // Each read is handed to the closed connection, whose attempt is refused: one failed attempt more
        // (the first may meet the connection closing instead).
        let refused = 0;
        for (let i = 0; i < 12 && refused < 6; i++) {
          await views.handshakes.list(1).catch((e: { code?: string }) =>
            e.code === "ECONNREFUSED" && refused++
          );
        }
        assertEquals(refused, 6);
        forward.open();
        const started = performance.now();
        assertEquals(await views.handshakes.list(1), []);
        assertLess(performance.now() - started, 1_500, "answered without a back-off of seconds");
      } finally {
        await views.close();
      }
    } finally {
      await forward.close();
      await db.drop();
    }
  },
});

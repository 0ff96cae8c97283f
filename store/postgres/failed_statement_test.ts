/**
 * `allStatements` fails a transaction's pipelined statements with the one that aborted the transaction, where
 * `Promise.all` may fail with a statement behind it (25P02).
 */
import { assertEquals, assertRejects } from "@std/assert";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { allStatements } from "./failed_statement.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL failed statement tests");

Deno.test({
  name:
    "allStatements() fails with the statement that aborted the transaction, not one answered 25P02 after it",
  ignore,
  fn: () =>
    withMigratedDatabase(async (_url, sql) => {
      const c = await sql.reserve();
      try {
        for (
          const [what, gather] of [["Promise.all", Promise.all.bind(Promise)], [
            "allStatements",
            allStatements,
          ]] as const
        ) {
          await c`begin`;
          // The failing statement's answer reaches the caller later than the one sent behind it (a write
          // method that awaits before it returns), as in a group commit: a timer, so that the order does not
          // hang on whether both answers came in one read of the socket (a loaded CI machine split them).
          const failing = c`select 1 / 0`.execute().catch((error: unknown) =>
            new Promise<never>((_, reject) => setTimeout(() => reject(error), 20))
          );
          const behind = c`select 1`.execute();
          const error = await assertRejects(() => gather([failing, behind]));
          await c`rollback`;
          assertEquals((error as { code?: string }).code, what === "allStatements" ? "22012" : "25P02", what);
        }
      } finally {
        c.release();
      }
    }),
});

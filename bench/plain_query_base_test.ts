import { assert, assertEquals, assertRejects } from "@std/assert";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../tests/helpers/postgres.ts";
import { usePlainQueryPromises } from "./plain_query_base.ts";

const ignore = await ignoreWithoutPostgres("plain_query_base_test");

Deno.test({
  name: "usePlainQueryPromises: queries stop being promises and still answer, fail and run transactions",
  ignore,
  fn: () =>
    withMigratedDatabase(async (_url, sql) => {
      assert(sql`select 1` instanceof Promise, "postgres.js's queries start as a Promise subclass");
      assert(usePlainQueryPromises(sql));
      assert(usePlainQueryPromises(sql), "a second call finds the swap done");
      const query = sql`select 1 as x`;
      assert(!(query instanceof Promise));
      assertEquals([...await query], [{ x: 1 }]);
      // Pipelined, awaited by Promise.all, as the group commit sends them.
      const [a, b] = await Promise.all([sql`select 2 as y`.execute(), sql`select 3 as z`.execute()]);
      assertEquals([a[0], b[0]], [{ y: 2 }, { z: 3 }]);
      await assertRejects(() => sql`select * from no_such_table`, Error, "no_such_table");
      let finallyRan = false;
      await sql`select 1`.finally(() => (finallyRan = true));
      assert(finallyRan);
      await sql`create table t (n int)`;
      await assertRejects(() =>
        sql.begin(async (t) => {
          await t`insert into t values (1)`;
          await t`insert into t values ('not a number')`;
        })
      );
      const reserved = await sql.reserve();
      try {
        await reserved`begin`;
        await reserved`insert into t values (2)`;
        await reserved`commit`;
      } finally {
        reserved.release();
      }
      assertEquals([...await sql`select n from t`], [{ n: 2 }], "the failed transaction left nothing");
    }),
});

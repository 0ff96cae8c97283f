import { assert, assertEquals } from "@std/assert";
import { openPostgresPool } from "../../postgres_pool.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../../tests/helpers/postgres.ts";
import { DatabaseClock, offsetWithin } from "./database_clock.ts";

const ignore = await ignoreWithoutPostgres("database clock tests");

Deno.test("offsetWithin() is 0 when a round trip allows it, else the middle of what it allows", () => {
  assertEquals(offsetWithin(-3, 2), 0);
  assertEquals(offsetWithin(0, 0), 0);
  assertEquals(offsetWithin(4990, 5010), 5000);
  assertEquals(offsetWithin(-5011, -4990), -5000);
});

Deno.test({
  name: "DatabaseClock: no offset on PostgreSQL's own host; a process clock 5 s behind is moved 5 s ahead",
  ignore,
  async fn() {
    const db = await migratedDatabase("database_clock");
    const sql = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
    try {
      const same = new DatabaseClock(sql);
      await same.measure();
      assertEquals(same.offsetMs, 0);
      assertEquals(same.toDatabase("2026-12-07T09:00:00.000Z"), "2026-12-07T09:00:00.000Z");

      const behind = new DatabaseClock(sql, () => Date.now() - 5000);
      await behind.measure();
      assert(Math.abs(behind.offsetMs - 5000) < 100, `offset ${behind.offsetMs} ms`);
      const moved = Date.parse(behind.toDatabase("2026-12-07T09:00:00.000Z")) -
        Date.parse("2026-12-07T09:00:00.000Z");
      assertEquals(moved, behind.offsetMs);
      await behind.settled();
      await same.settled();
    } finally {
      await sql.end();
      await db.drop();
    }
  },
});

/**
 * Migrations 018 and 019 (id tags and local list members matched case-insensitively): a database that held one
 * tag written in two cases keeps one of them, and what it held is found in any case afterwards, the active
 * transactions by tag and the list's members included.
 */
import { assert, assertEquals } from "@std/assert";
import { ignoreWithoutPostgres, withFreshDatabase } from "../../tests/helpers/postgres.ts";
import { at } from "../contract/harness.ts";
import { migrate, MIGRATIONS } from "./migrate.ts";
import { PostgresLocalListStore } from "./local_lists.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL id tag migration tests");

Deno.test({
  name:
    "migration 018 keeps one of two tags that differ in case; tags and open transactions match in any case",
  ignore,
  fn: async () => {
    await withFreshDatabase(async (url, sql) => {
      const before = MIGRATIONS.filter((m) => m.version < 18);
      assertEquals(await migrate(sql, before), before.map((m) => m.version));
      for (const [idTag, status] of [["GOOD", "Accepted"], ["good", "Blocked"], ["Other", "Accepted"]]) {
        await sql`insert into id_tags (id_tag, status) values (${idTag!}, ${status!})`;
      }
      await sql`insert into charge_points (id, created_at, updated_at) values ('CP-1', now(), now())`;
      const [tx] = await sql<{ transaction_id: number }[]>`
        insert into transactions (charge_point_id, connector_id, id_tag, start_id_tag_status, meter_start,
          start_timestamp, created_at)
        values ('CP-1', 1, 'Other', 'Accepted', 0, ${at(0)}, now())
        returning transaction_id
      `;
      await sql`
        insert into open_transactions (transaction_id, charge_point_id, connector_id, id_tag)
        values (${tx!.transaction_id}, 'CP-1', 1, 'Other')
      `;
      assertEquals(await migrate(sql), MIGRATIONS.filter((m) => m.version >= 18).map((m) => m.version));
      const store = await openPostgresStore(url);
      try {
        assertEquals((await store.getIdTag("good"))?.idTag, "GOOD", "upper case sorts first and is kept");
        assertEquals((await store.listIdTags({ limit: 10 })).map((t) => t.idTag), ["GOOD", "Other"]);
        assertEquals((await store.findActiveTransactionByIdTag("OTHER"))?.transactionId, tx!.transaction_id);
        const listed = await store.listTransactions({ idTag: "other", limit: 5 });
        assertEquals(listed.map((t) => t.transactionId), [tx!.transaction_id], "the list's filter too (020)");
      } finally {
        await store.close();
      }
    });
  },
});

Deno.test({
  name: "migration 019 keeps one of two local list members that differ in case; members match in any case",
  ignore,
  fn: async () => {
    await withFreshDatabase(async (_url, sql) => {
      const before = MIGRATIONS.filter((m) => m.version < 19);
      assertEquals(await migrate(sql, before), before.map((m) => m.version));
      for (const idTag of ["GOOD", "good", "plain"]) {
        await sql`insert into local_list_member (id_tag) values (${idTag})`;
      }
      assertEquals(await migrate(sql), MIGRATIONS.filter((m) => m.version >= 19).map((m) => m.version));
      const lists = new PostgresLocalListStore(sql);
      assertEquals(await lists.listMembers(), ["GOOD", "plain"], "upper case sorts first and is kept");
      assert(await lists.isMember("Good"));
      assertEquals(await lists.setMember("good", false, at(1)), 1);
      assertEquals(
        (await lists.changesSince(0))?.map((c) => c.idTag),
        ["GOOD"],
        "named as the stations got it",
      );
      assertEquals(await lists.listMembers(), ["plain"]);
    });
  },
});

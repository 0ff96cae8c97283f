/**
 * The PostgreSQL UnknownIdTagStore where the contract cannot look: two processes (two pools) writing their
 * batches at the same moment.
 */
import { assertEquals } from "@std/assert";
import type { UnknownIdTag } from "../../model/unknown_id_tag.ts";
import { freshDatabase, ignoreWithoutPostgres } from "../../tests/helpers/postgres.ts";
import { openPostgresFleetStore } from "./fleet.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL unknown id tag tests");

const tally = (idTag: string, at: string): UnknownIdTag => ({
  idTag,
  idTokenType: null,
  count: 1,
  firstSeen: at,
  lastSeen: at,
  chargePointId: "CP-1",
});

Deno.test({
  name: "PostgreSQL: two processes writing the same unknown tags at once, in opposite orders, both succeed",
  ignore,
  fn: async () => {
    const db = await freshDatabase("csms_unknown_tags_test");
    const a = await openPostgresFleetStore(db.url);
    const b = await openPostgresFleetStore(db.url, { migrate: false });
    try {
      const tags = Array.from({ length: 200 }, (_, i) => `TAG-${i}`);
      const rounds = 5;
      for (let round = 0; round < rounds; round++) {
        const at = new Date(Date.UTC(2026, 11, 6, 0, 0, round)).toISOString();
        // Each process tallies in the order its stations presented them.
        const results = await Promise.allSettled([
          a.unknownIdTags.recordUnknownIdTags(tags.map((t) => tally(t, at)), 150),
          b.unknownIdTags.recordUnknownIdTags([...tags].reverse().map((t) => tally(t, at)), 150),
        ]);
        assertEquals(results.map((r) => r.status === "rejected" ? String(r.reason) : "ok"), ["ok", "ok"]);
      }
      const listed = await a.unknownIdTags.listUnknownIdTags(500);
      assertEquals(listed.length, 150);
      // Both batches of every round were counted: none was lost to a deadlock.
      assertEquals(listed.every((t) => t.count >= 2), true);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  },
});

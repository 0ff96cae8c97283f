import { assert, assertEquals } from "@std/assert";
import type { UnknownIdTag } from "../../model/unknown_id_tag.ts";
import { openKvHandle } from "./handle.ts";
import { KvUnknownIdTagStore } from "./unknown_id_tags.ts";

/** A KV handle that counts the entries its listings yield. */
function countingLists(kv: Deno.Kv): { kv: Deno.Kv; listed: { entries: number } } {
  const listed = { entries: 0 };
  const counting = new Proxy(kv, {
    get(target, name) {
      if (name === "list") {
        return async function* (...args: Parameters<Deno.Kv["list"]>) {
          for await (const entry of target.list(...args)) {
            listed.entries++;
            yield entry;
          }
        };
      }
      const value = Reflect.get(target, name, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counting, listed };
}

const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 0, 0, 0, s)).toISOString();
const tally = (idTag: string, s: number): UnknownIdTag => ({
  idTag,
  idTokenType: null,
  count: 1,
  firstSeen: at(s),
  lastSeen: at(s),
  chargePointId: "CP-1",
});

Deno.test("a flush on KV reads the tags it updates and trims the oldest by an index, not by listing every kept tag", async () => {
  const handle = await openKvHandle(":memory:");
  try {
    const { kv, listed } = countingLists(handle);
    const store = new KvUnknownIdTagStore(kv);
    await store.recordUnknownIdTags(Array.from({ length: 1000 }, (_, i) => tally(`T-${i}`, i)), 1000);
    // Two seen again and one new, all kept (below `keep`): no listing at all.
    listed.entries = 0;
    await store.recordUnknownIdTags([tally("T-1", 2000), tally("T-2", 2001), tally("NEW-1", 2002)], 2000);
    assertEquals(listed.entries, 0, "a flush below `keep` listed entries");
    // Five new ones, three over `keep`: the three oldest go, found in a listing of three.
    listed.entries = 0;
    await store.recordUnknownIdTags(
      Array.from({ length: 5 }, (_, i) => tally(`NEW-${i + 2}`, 3000 + i)),
      1003,
    );
    assert(listed.entries <= 10, `a trim of 3 listed ${listed.entries} entries`);
    const kept = await store.listUnknownIdTags(2000);
    assertEquals(kept.length, 1003);
    // The oldest went (T-0, T-3, T-4); T-1 and T-2 were seen again.
    assertEquals(kept.slice(0, 8).map((t) => t.idTag), [
      "NEW-6",
      "NEW-5",
      "NEW-4",
      "NEW-3",
      "NEW-2",
      "NEW-1",
      "T-2",
      "T-1",
    ]);
    assertEquals(kept.at(-1)?.idTag, "T-5");
    // A page of the list reads about that page.
    listed.entries = 0;
    assertEquals((await store.listUnknownIdTags(3)).map((t) => t.idTag), ["NEW-6", "NEW-5", "NEW-4"]);
    assert(listed.entries <= 10, `a page of 3 listed ${listed.entries} entries`);
  } finally {
    handle.close();
  }
});

Deno.test("unknown id tags an older version kept on KV (no index, no count) are indexed once and trimmed like the rest", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    for (const [i, idTag] of ["OLD-A", "OLD-B", "OLD-C"].entries()) {
      await kv.set(["unknown_tag", idTag.toLowerCase()], tally(idTag, i));
    }
    const store = new KvUnknownIdTagStore(kv);
    await store.recordUnknownIdTags([tally("NEW", 10), tally("OLD-B", 11)], 3);
    assertEquals((await store.listUnknownIdTags(10)).map((t) => [t.idTag, t.count]), [
      ["OLD-B", 2],
      ["NEW", 1],
      ["OLD-C", 1],
    ]);
    assertEquals((await kv.get(["unknown_tag_count"])).value, 3);
    assertEquals(await store.forgetUnknownIdTag("old-c"), true);
    assertEquals((await kv.get(["unknown_tag_count"])).value, 2);
    assertEquals((await store.listUnknownIdTags(10)).map((t) => t.idTag), ["OLD-B", "NEW"]);
  } finally {
    kv.close();
  }
});

Deno.test("unknown id tags seen at the same time are listed in key order on KV, as on PostgreSQL", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const store = new KvUnknownIdTagStore(kv);
    await store.recordUnknownIdTags([tally("C", 1), tally("A", 1), tally("B", 1), tally("D", 0)], 10);
    assertEquals((await store.listUnknownIdTags(2)).map((t) => t.idTag), ["A", "B"]);
    assertEquals((await store.listUnknownIdTags(10)).map((t) => t.idTag), ["A", "B", "C", "D"]);
  } finally {
    kv.close();
  }
});

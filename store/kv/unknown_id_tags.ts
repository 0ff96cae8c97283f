/**
 * The UnknownIdTagStore on Deno KV. Layout:
 * - `["unknown_tag", idTagKey(idTag)]` UnknownIdTag;
 * - `["unknown_tag_by_seen", lastSeen, idTagKey]` a pointer per record, in the record's atomic: the oldest for
 *   the trim, the newest for the list;
 * - `["unknown_tag_count"]` how many records there are, in every atomic that adds or removes one.
 *
 * A flush reads only the tags it merges (point reads) and the count; past `keep` it lists the oldest pointers,
 * as many as there are too many. So a flush costs the same with 500 kept tags as with 100,000 (listing them
 * all, as this store did before the index, read every record every two seconds). Records an older version
 * wrote have no pointer and no count: the first call of a process without the count indexes them, once.
 */
import { idTagKey } from "../../model/id_tag.ts";
import { byTag, mergeUnknownIdTag, type UnknownIdTag } from "../../model/unknown_id_tag.ts";
import type { UnknownIdTagStore } from "../fleet.ts";
import { getMany, listAll, onceUntilDone, retryAtomic } from "./kv_helpers.ts";

const PREFIX = "unknown_tag";
const BY_SEEN = "unknown_tag_by_seen";
const COUNT: Deno.KvKey = ["unknown_tag_count"];
const key = (idTag: string): Deno.KvKey => [PREFIX, idTagKey(idTag)];
const pointer = (tag: UnknownIdTag): Deno.KvKey => [BY_SEEN, tag.lastSeen, idTagKey(tag.idTag)];
/** Tags merged or removed per atomic: each is checked, as is the count (KV allows 100 checks per atomic). */
const PER_ATOMIC = 90;

export class KvUnknownIdTagStore implements UnknownIdTagStore {
  /** The one-time indexing of records without pointers, once per process. */
  readonly #ready = onceUntilDone(() => this.#indexOld());

  constructor(private readonly kv: Deno.Kv) {}

  async recordUnknownIdTags(tallies: readonly UnknownIdTag[], keep: number): Promise<void> {
    const seen = byTag(tallies);
    if (seen.length === 0) return;
    await this.#ready();
    for (let i = 0; i < seen.length; i += PER_ATOMIC) {
      const chunk = seen.slice(i, i + PER_ATOMIC);
      await retryAtomic("record unknown id tags", async () => {
        const [count, ...stored] = await getMany<unknown>(this.kv, [
          COUNT,
          ...chunk.map((t) => key(t.idTag)),
        ]);
        const op = this.kv.atomic().check(count!);
        let added = 0;
        chunk.forEach((tag, k) => {
          const entry = stored[k]! as Deno.KvEntryMaybe<UnknownIdTag>;
          const merged = entry.value ? mergeUnknownIdTag(entry.value, tag) : tag;
          if (!entry.value) added++;
          else if (entry.value.lastSeen !== merged.lastSeen) op.delete(pointer(entry.value));
          op.check(entry).set(entry.key, merged).set(pointer(merged), true);
        });
        op.set(COUNT, counted(count!) + added);
        return (await op.commit()).ok ? true : undefined;
      });
    }
    await this.#trim(keep);
  }

  async listUnknownIdTags(limit: number): Promise<UnknownIdTag[]> {
    await this.#ready();
    // Newest first; a tie at the page's end is read whole, so that ties come in key order as on PostgreSQL.
    const keys: [string, string][] = [];
    for await (
      const entry of this.kv.list({ prefix: [BY_SEEN] }, {
        reverse: true,
        batchSize: Math.min(limit + 1, 500),
      })
    ) {
      const [, lastSeen, tagKey] = entry.key as [string, string, string];
      if (keys.length >= limit && keys.at(-1)![0] !== lastSeen) break;
      keys.push([lastSeen, tagKey]);
    }
    keys.sort((a, b) => a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : (a[0] < b[0] ? 1 : -1));
    const page = keys.slice(0, limit);
    const records = await getMany<UnknownIdTag>(this.kv, page.map(([, tagKey]) => [PREFIX, tagKey]));
    return records.flatMap((e) => e.value ? [e.value] : []);
  }

  async listUnknownIdTagsAfter(after: string | null, limit: number): Promise<UnknownIdTag[]> {
    const selector = after === null
      ? { prefix: [PREFIX] }
      : { prefix: [PREFIX], start: [PREFIX, after + "\0"] };
    return (await listAll<UnknownIdTag>(this.kv, selector, { limit })).map((e) => e.value);
  }

  async forgetUnknownIdTag(idTag: string): Promise<boolean> {
    await this.#ready();
    return await retryAtomic("forget an unknown id tag", async () => {
      const [count, entry] = await this.kv.getMany<[number, UnknownIdTag]>([COUNT, key(idTag)]);
      if (entry.value === null) return false;
      const op = this.kv.atomic().check(count, entry).delete(entry.key).delete(pointer(entry.value))
        .set(COUNT, counted(count) - 1);
      return (await op.commit()).ok ? true : undefined;
    });
  }

  /** Removes the oldest records past `keep`: a listing of as many pointers as there are records too many. */
  async #trim(keep: number): Promise<void> {
    for (;;) {
      const excess = counted(await this.kv.get<number>(COUNT)) - keep;
      if (excess <= 0) return;
      const oldest = await listAll<true>(this.kv, { prefix: [BY_SEEN] }, {
        limit: Math.min(excess, PER_ATOMIC),
      });
      if (oldest.length === 0) return; // no pointer for a count: not expected (they are written together)
      const done = await retryAtomic("trim unknown id tags", async () => {
        const [count, ...records] = await getMany<unknown>(this.kv, [
          COUNT,
          ...oldest.map((p) => [PREFIX, p.key[2]!]),
        ]);
        const op = this.kv.atomic().check(count!);
        let removed = 0;
        oldest.forEach((p, k) => {
          const record = records[k]! as Deno.KvEntryMaybe<UnknownIdTag>;
          op.delete(p.key);
          // A pointer whose record moved on (seen again since it was listed) goes alone.
          if (record.value?.lastSeen !== p.key[1]) return;
          op.check(record).delete(record.key);
          removed++;
        });
        op.set(COUNT, counted(count!) - removed);
        return (await op.commit()).ok ? true : undefined;
      });
      if (!done) return;
    }
  }

  /**
   * Gives the records an older version wrote their pointers and the count, when there is no count yet: one
   * listing of them all, once (a store new to this version, or empty). Every record gets the pointer of its
   * lastSeen under a check of the record; the count is set only where none is.
   */
  async #indexOld(): Promise<void> {
    if ((await this.kv.get(COUNT)).versionstamp !== null) return;
    const records = await listAll<UnknownIdTag>(this.kv, { prefix: [PREFIX] });
    for (let i = 0; i < records.length; i += PER_ATOMIC) {
      const op = this.kv.atomic();
      for (const record of records.slice(i, i + PER_ATOMIC)) {
        op.check(record).set(pointer(record.value), true);
      }
      await op.commit();
    }
    await this.kv.atomic().check({ key: COUNT, versionstamp: null }).set(COUNT, records.length).commit();
  }
}

/** The count as stored (none: 0). */
function counted(entry: Deno.KvEntryMaybe<unknown>): number {
  return typeof entry.value === "number" ? entry.value : 0;
}

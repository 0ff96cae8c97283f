/**
 * The UnknownIdTagStore on Deno KV. Layout: `["unknown_tag", idTagKey(idTag)]` UnknownIdTag. A record is
 * small (a tag, a type, two times, a station id), so a whole batch merges in a few atomics.
 */
import { idTagKey } from "../../model/id_tag.ts";
import { byTag, mergeUnknownIdTag, type UnknownIdTag } from "../../model/unknown_id_tag.ts";
import type { UnknownIdTagStore } from "../fleet.ts";
import { getMany, listAll, retryAtomic } from "./kv_helpers.ts";

const PREFIX = "unknown_tag";
const key = (idTag: string): Deno.KvKey => [PREFIX, idTagKey(idTag)];
/** Tags merged per atomic: each is checked (KV allows 100 checks per atomic). */
const PER_ATOMIC = 90;

export class KvUnknownIdTagStore implements UnknownIdTagStore {
  constructor(private readonly kv: Deno.Kv) {}

  async recordUnknownIdTags(tallies: readonly UnknownIdTag[], keep: number): Promise<void> {
    const seen = byTag(tallies);
    if (seen.length === 0) return;
    for (let i = 0; i < seen.length; i += PER_ATOMIC) {
      const chunk = seen.slice(i, i + PER_ATOMIC);
      await retryAtomic("record unknown id tags", async () => {
        const stored = await getMany<UnknownIdTag>(this.kv, chunk.map((t) => key(t.idTag)));
        const op = this.kv.atomic();
        chunk.forEach((tag, k) => {
          const entry = stored[k]!;
          op.check(entry).set(entry.key, entry.value ? mergeUnknownIdTag(entry.value, tag) : tag);
        });
        return (await op.commit()).ok ? true : undefined;
      });
    }
    await this.#keepNewest(keep);
  }

  async listUnknownIdTags(limit: number): Promise<UnknownIdTag[]> {
    return (await this.#all()).slice(0, limit).map((e) => e.value);
  }

  async listUnknownIdTagsAfter(after: string | null, limit: number): Promise<UnknownIdTag[]> {
    const selector = after === null
      ? { prefix: [PREFIX] }
      : { prefix: [PREFIX], start: [PREFIX, after + "\0"] };
    return (await listAll<UnknownIdTag>(this.kv, selector, { limit })).map((e) => e.value);
  }

  async forgetUnknownIdTag(idTag: string): Promise<boolean> {
    const entry = await this.kv.get(key(idTag));
    if (entry.versionstamp === null) return false;
    await this.kv.delete(entry.key);
    return true;
  }

  /**
   * Every entry (the store keeps `keep`, 500 by default), most recently seen first; ties in key order, as
   * listed (the sort is stable), like PostgreSQL's `order by last_seen desc, tag_key`.
   */
  async #all(): Promise<Deno.KvEntry<UnknownIdTag>[]> {
    const entries = await listAll<UnknownIdTag>(this.kv, { prefix: [PREFIX] });
    return entries.sort((a, b) => newestFirst(a.value, b.value));
  }

  async #keepNewest(keep: number): Promise<void> {
    const older = (await this.#all()).slice(keep);
    for (let i = 0; i < older.length; i += PER_ATOMIC) {
      const op = this.kv.atomic();
      for (const entry of older.slice(i, i + PER_ATOMIC)) op.delete(entry.key);
      await op.commit();
    }
  }
}

function newestFirst(a: UnknownIdTag, b: UnknownIdTag): number {
  return a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0;
}

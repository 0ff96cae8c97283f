/**
 * Id tags on Deno KV: `["idtag", idTagKey(idTag)]` (case-insensitive, the record keeps its spelling), written
 * by operators and tools (not on the station hot path). Files written before tags were keyed so are rekeyed
 * once when opened (`foldIdTagKeys`).
 *
 * The hot path reads a tag at Authorize, Start and Stop, each a key of its own in a shared `getMany` (about
 * 10 µs of CPU a key). Every atomic that writes a tag adds one to a counter, `["meta", "idtag_gen"]`, so a
 * tag read before is answered from memory when the counter, read once for all the lookups of a tick, has not
 * moved since: exactly as fresh as reading the tag (any process's write moves the counter in the same
 * atomic), one key for many lookups.
 *
 * Not every writer moves the counter: a process of a version before it (a rolling deploy, a Deno Deploy
 * isolate of the previous deployment still serving, an old `deno task idtags`) writes the tag alone, and
 * nothing else it writes says so. A tag is therefore answered from memory for at most `MEMORY_MAX_AGE_MS`
 * after it was read: such a write is seen within that, and the counter still keeps this version's writes
 * seen at once.
 */
import { idTagKey, type IdTagRecord } from "../../model/id_tag.ts";
import { setMostRecent } from "../../model/recency.ts";
import type { Changed, IdTagStore, PageRequest } from "../mod.ts";
import { scanAfter } from "./keys.ts";
import { AtomicBatches, changeEntry } from "./kv_helpers.ts";
import type { KvReads } from "./reads.ts";

/** Set once a file's id tag keys are all case-folded. */
const FOLDED_KEY: Deno.KvKey = ["meta", "idtag_keys"];

/** Moved (+1) by every atomic that writes an id tag; absent in a file no tag was written to since. */
export const ID_TAG_GENERATION: Deno.KvKey = ["meta", "idtag_gen"];

/** Tags remembered at most (the oldest forgotten first: a forgotten tag is read again). */
const KNOWN_MAX = 4096;

/**
 * How long a tag read is answered from memory, in ms, however still the counter: the staleness a writer that
 * does not move the counter can cause. A burst of lookups (a site's stations at once) still reads it once.
 */
export const MEMORY_MAX_AGE_MS = 1_000;

/** Adds the counter's step to an atomic that writes an id tag. */
function movesGeneration(op: Deno.AtomicOperation): void {
  op.sum(ID_TAG_GENERATION, 1n);
}

function generationOf(entry: Deno.KvEntryMaybe<unknown>): bigint {
  return entry.value instanceof Deno.KvU64 ? entry.value.value : 0n;
}

export class KvIdTags implements IdTagStore {
  /** Tags read, by folded key, with the counter's value they were read at (one snapshot) and when. */
  readonly #known = new Map<string, { record: IdTagRecord | null; generation: bigint; readAt: number }>();

  constructor(
    private readonly kv: Deno.Kv,
    private readonly reads: KvReads,
    /** A monotonic clock in ms (injected by tests). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** On the hot path (Authorize, Start, Stop): read with other lookups of the same tick. */
  async getIdTag(idTag: string): Promise<IdTagRecord | null> {
    const key = idTagKey(idTag);
    const known = this.#known.get(key);
    if (known !== undefined && this.now() - known.readAt < MEMORY_MAX_AGE_MS) {
      const now = generationOf(await this.reads.getShared(ID_TAG_GENERATION));
      if (now === known.generation) return known.record;
    }
    const readAt = this.now();
    const [generation, entry] = await this.reads.getMany<unknown>([ID_TAG_GENERATION, ["idtag", key]]);
    // Shared by every lookup until the counter moves: frozen, so no caller can change another's answer.
    const record = entry!.value === null ? null : Object.freeze(entry!.value as IdTagRecord);
    setMostRecent(this.#known, key, { record, generation: generationOf(generation!), readAt }, KNOWN_MAX);
    return record;
  }

  async putIdTag(record: IdTagRecord): Promise<void> {
    const op = this.kv.atomic().set(["idtag", idTagKey(record.idTag)], record);
    movesGeneration(op);
    await op.commit();
  }

  changeIdTag(
    idTag: string,
    change: (stored: IdTagRecord | null) => IdTagRecord | null | undefined,
  ): Promise<Changed<IdTagRecord>> {
    return changeEntry(
      this.kv,
      ["idtag", idTagKey(idTag)],
      `change id tag "${idTag}"`,
      change,
      movesGeneration,
    );
  }

  async deleteIdTag(idTag: string): Promise<boolean> {
    const { before } = await this.changeIdTag(idTag, (stored) => stored === null ? undefined : null);
    return before !== null;
  }

  /** In key order (case-folded); `after` is a tag of the previous page, in any case. */
  async listIdTags(page: PageRequest): Promise<IdTagRecord[]> {
    const after = page.after === undefined ? {} : { after: idTagKey(page.after) };
    return await scanAfter<IdTagRecord>(this.kv, ["idtag"], { limit: page.limit, ...after }, () => true);
  }
}

/**
 * A family of records named by an id tag's spelling at `key[1]`, folded once per file (its marker says done):
 * two spellings compete for one folded key.
 */
interface KeyFold {
  marker: Deno.KvKey;
  prefixes: readonly string[];
  /** The value at the folded key (the spelling is no longer in the key). */
  moved(value: unknown, spelling: string): unknown;
}

const KEY_FOLDS: readonly KeyFold[] = [
  { marker: FOLDED_KEY, prefixes: ["idtag"], moved: (value) => value },
  // Members were `true` under their spelling; the spelling is now the value.
  {
    marker: ["meta", "ll_member_keys"],
    prefixes: ["ll_member"],
    moved: (value, spelling) => value === true ? spelling : value,
  },
];

/**
 * Rekeys what a file written before case-insensitive tags holds: each `["idtag", spelling]` and each local
 * list member `["ll_member", spelling]` moves to its folded key, each transaction's tag pointers
 * (`["tx_active_tag", spelling, id]`, `["tx_tag", spelling, id]`) too. Two tags that differ only in case were one tag written twice: the one first
 * in key order (upper case first) is kept, as on PostgreSQL (migrations 018, 019). Cheap once done: later
 * opens read only the markers.
 */
export async function foldIdTagKeys(kv: Deno.Kv): Promise<void> {
  for (const fold of KEY_FOLDS) await foldKeys(kv, fold);
  await foldTagPointers(kv);
}

/**
 * Set once a file's transaction tag pointers are all case-folded (the active ones were folded with the id tag
 * keys before this marker existed: files that have it find none left to move).
 */
const TAG_POINTERS_FOLDED: Deno.KvKey = ["meta", "tx_tag_keys"];

/** Pointers moved per atomic (a check each: KV takes at most 100 checks an atomic). */
const POINTERS_PER_ATOMIC = 100;

/**
 * Rekeys each transaction's id tag pointers, `["tx_active_tag", spelling, id]` and `["tx_tag", spelling, id]`,
 * to their folded tag. `tx_tag` grows with every transaction (a file may hold millions), so pointers are moved
 * as they are listed, in atomics of many, not read all first: each key ends in its transaction's id, so two spellings never compete for one key. An atomic that
 * fails its checks (another process moving at once) leaves the marker unset: the next open moves what is left.
 */
async function foldTagPointers(kv: Deno.Kv): Promise<void> {
  const marker = await kv.get(TAG_POINTERS_FOLDED);
  if (marker.value === true) return;
  const batches = new AtomicBatches(kv, POINTERS_PER_ATOMIC);
  for (const prefix of ["tx_active_tag", "tx_tag"]) {
    for await (const entry of kv.list({ prefix: [prefix] })) {
      const spelling = String(entry.key[1]);
      const folded = idTagKey(spelling);
      if (folded === spelling) continue;
      await batches.add((op) =>
        op.check(entry).delete(entry.key).set([prefix, folded, ...entry.key.slice(2)], entry.value)
      );
    }
  }
  if (await batches.flush()) await kv.atomic().check(marker).set(TAG_POINTERS_FOLDED, true).commit();
}

async function foldKeys(kv: Deno.Kv, fold: KeyFold): Promise<void> {
  const marker = await kv.get(fold.marker);
  if (marker.value === true) return;
  // A move whose checks fail (another process writing meanwhile) leaves the marker unset: the next open
  // lists and moves again.
  let complete = true;
  const commit = async (op: Deno.AtomicOperation) => {
    // Another process may hold tags in memory (see KvIdTags): a moved tag moves the counter.
    movesGeneration(op);
    if (!(await op.commit()).ok) complete = false;
  };
  for (const prefix of fold.prefixes) {
    // Read all first: the moves write keys the listing has yet to reach.
    const entries: Deno.KvEntry<unknown>[] = [];
    for await (const entry of kv.list({ prefix: [prefix] })) entries.push(entry);
    const foldedOf = (key: Deno.KvKey): Deno.KvKey => [prefix, idTagKey(String(key[1])), ...key.slice(2)];
    const listed = new Map(entries.map((e) => [JSON.stringify(e.key), e]));
    const keep = new Map<string, Deno.KvEntry<unknown>>();
    for (const entry of entries) {
      const id = JSON.stringify(foldedOf(entry.key));
      if (!keep.has(id)) keep.set(id, entry);
    }
    for (const entry of entries) {
      const spelling = String(entry.key[1]);
      const folded = foldedOf(entry.key);
      const kept = keep.get(JSON.stringify(folded)) === entry;
      const value = fold.moved(entry.value, spelling);
      if (idTagKey(spelling) === spelling) {
        // Already at its key: kept (its value brought up to date), or a second spelling the kept one's move
        // overwrites.
        if (kept && value !== entry.value) await commit(kv.atomic().check(entry).set(entry.key, value));
        continue;
      }
      const op = kv.atomic().check(entry).delete(entry.key);
      if (kept) {
        // The folded key as listed (absent, or the second spelling this move overwrites): a write to it
        // meanwhile wins.
        op.check(listed.get(JSON.stringify(folded)) ?? { key: folded, versionstamp: null }).set(
          folded,
          value,
        );
      }
      await commit(op);
    }
  }
  if (complete) await kv.atomic().check(marker).set(fold.marker, true).commit();
}

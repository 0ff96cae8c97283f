/**
 * Presence marks: `["mark", kind, owner]` -> true says that `owner` (a charge point) may have entries under
 * `[kind, owner]`; no mark says it has none. A hot-path listing of a station's entries (its charging
 * profiles, its active reservations: read on every transaction event, and empty for most stations) first
 * reads the mark, a point read that shares the tick's `getMany` (see reads.ts), and lists only when it is
 * there: an empty `list` is a separate call to SQLite, which costs more than a key in a shared `getMany`.
 *
 * Exact, not a cache: every write that adds an entry under `[kind, owner]` sets the mark in the same atomic.
 * A listing that finds nothing clears the mark, checking the version it read, so an entry added meanwhile
 * (whose atomic set the mark again) keeps it. Files written before the marks: the first listing scans
 * `[kind]` once and marks every owner found, then records `["meta", "marks_" + kind]` so later opens trust the
 * marks (as `["meta", "mv_layout"]` does for meter values).
 */
import { onceUntilDone } from "./kv_helpers.ts";
import { sharedReads } from "./reads.ts";

/** Marks set per atomic while backfilling a file written before the marks. */
const BACKFILL_BATCH = 500;

export class PresenceMarks {
  /** Marks for a file written before them, set once per process. */
  readonly #backfilled = onceUntilDone(() => this.#backfill());

  /** `kind`: the first part of the entries' keys; their second part is the owner. */
  constructor(private readonly kv: Deno.Kv, private readonly kind: string) {}

  /** The mark's key, for a write that adds an entry under `[kind, owner]` (set it in the same atomic). */
  key(owner: string): Deno.KvKey {
    return ["mark", this.kind, owner];
  }

  /**
   * Lists `owner`'s entries with `list` unless its mark says it has none; clears the mark when `list` found
   * none and `complete` (the listing covered all of `owner`'s entries).
   */
  async list<T>(owner: string, list: () => Promise<T[]>, complete: boolean): Promise<T[]> {
    await this.#backfilled();
    const mark = await sharedReads(this.kv).get<true>(this.key(owner));
    if (mark.versionstamp === null) return [];
    const found = await list();
    if (found.length === 0 && complete) {
      // Lost to a write that added an entry (and set the mark again): the mark stays, as it should.
      await this.kv.atomic().check(mark).delete(mark.key).commit();
    }
    return found;
  }

  async #backfill(): Promise<void> {
    const done: Deno.KvKey = ["meta", `marks_${this.kind}`];
    const meta = await this.kv.get(done);
    if (meta.versionstamp !== null) return;
    let owners: string[] = [];
    const flush = async () => {
      const op = this.kv.atomic();
      for (const owner of owners) op.set(this.key(owner), true);
      await op.commit();
      owners = [];
    };
    let last: unknown = undefined;
    for await (const entry of this.kv.list({ prefix: [this.kind] })) {
      const owner = entry.key[1];
      if (owner === last || typeof owner !== "string") continue;
      last = owner;
      owners.push(owner);
      if (owners.length >= BACKFILL_BATCH) await flush();
    }
    if (owners.length > 0) await flush();
    await this.kv.atomic().check(meta).set(done, true).commit();
  }
}

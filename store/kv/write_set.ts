/**
 * One station's writes for a KV atomic commit, measured against the limits of one `atomic()` (Deno KV: 100
 * checks, 1000 mutations, 80 KiB of keys, 800 KiB in all), and the packing of many stations' write sets into
 * as few atomics as those limits allow, never splitting one station's writes.
 */
import { byteLength, keyBytes, keyId, sameKey } from "./keys.ts";

/** What one atomic may hold here: under Deno KV's limits with a margin for our size estimates. */
const BUDGET = { checks: 100, mutations: 900, keyBytes: 64 * 1024, bytes: 600 * 1024 } as const;

/** Up to this many checks, a new one is compared with each before (no key ids, no set). */
const FEW_CHECKS = 8;

/**
 * Writes that may be committed in an atomic of their own, before the rest of a station's writes (meter
 * values): each holds its own checks, so storing it alone never stores anything half-way; `added` is how many
 * meter values it stores.
 */
export interface Unit {
  checks: Deno.AtomicCheck[];
  mutations: Deno.KvMutation[];
  added: number;
  /** Its share of the atomic's limits. */
  size: Size;
}

export class WriteSet {
  readonly checks: Deno.AtomicCheck[] = [];
  readonly mutations: Deno.KvMutation[] = [];
  /**
   * Self-contained units (meter values): when one station's writes cannot fit in one atomic, these may go in
   * earlier atomics of their own.
   */
  readonly units: Unit[] = [];
  /** A newer connection of the station wrote its record: this set leaves the record alone (`planStation`). */
  replaced = false;
  /** The record's protocol errors clear epoch after this write, when the changes carried a base (`planStation`). */
  protocolErrorsEpoch: number | undefined = undefined;
  /** The keys checked so far: compared part by part while few (a station's write has a handful). */
  #checkedKeys: Deno.KvKey[] | null = null;
  /** Their ids, once more than FEW_CHECKS (a station storing many meter value groups at once). */
  #checkedIds: Set<string> | null = null;
  #checks = 0;
  #mutations = 0;
  #keyBytes = 0;
  #bytes = 0;

  /** Commit only if `entry.key` still has `entry.versionstamp` (null: still absent). */
  check(entry: Deno.AtomicCheck): void {
    if (!this.#firstCheck(entry)) return;
    this.checks.push({ key: entry.key, versionstamp: entry.versionstamp });
  }

  /** `idempotent`: a blind write under a natural key, which storing twice stores nothing new (a unit). */
  set(key: Deno.KvKey, value: unknown, options: { idempotent?: boolean } = {}): void {
    if (options.idempotent) return this.unit([], [[key, value]], 0);
    this.mutations.push({ type: "set", key, value });
    this.#count(key, value);
  }

  delete(key: Deno.KvKey): void {
    this.mutations.push({ type: "delete", key });
    this.#count(key, null);
  }

  /** A self-contained unit (see `units`); its checks are not repeated elsewhere in the set. */
  unit(checks: readonly Deno.AtomicCheck[], sets: readonly [Deno.KvKey, unknown][], added: number): void {
    const before = this.size;
    const unit: Unit = { checks: [], mutations: [], added, size: ZERO };
    for (const c of checks) if (this.#firstCheck(c)) unit.checks.push(c);
    for (const [key, value] of sets) {
      unit.mutations.push({ type: "set", key, value });
      this.#count(key, value);
    }
    unit.size = minus(this.size, before);
    this.units.push(unit);
  }

  /** How many meter values the set stores. */
  get meterValuesAdded(): number {
    let n = 0;
    for (const u of this.units) n += u.added;
    return n;
  }

  get size(): Size {
    return {
      checks: this.#checks,
      mutations: this.#mutations,
      keyBytes: this.#keyBytes,
      bytes: this.#bytes,
    };
  }

  get empty(): boolean {
    return this.checks.length === 0 && this.mutations.length === 0 && this.units.length === 0;
  }

  #firstCheck(entry: Deno.AtomicCheck): boolean {
    if (this.#checkedIds !== null) {
      const id = keyId(entry.key);
      if (this.#checkedIds.has(id)) return false;
      this.#checkedIds.add(id);
    } else {
      const keys = this.#checkedKeys ??= [];
      for (const key of keys) if (sameKey(key, entry.key)) return false;
      keys.push(entry.key);
      if (keys.length > FEW_CHECKS) this.#checkedIds = new Set(keys.map(keyId));
    }
    this.#checks++;
    const k = keyBytes(entry.key);
    this.#keyBytes += k;
    this.#bytes += k + 8;
    return true;
  }

  #count(key: Deno.KvKey, value: unknown): void {
    this.#mutations++;
    const k = keyBytes(key);
    this.#keyBytes += k;
    this.#bytes += k + valueBytes(value);
  }
}

interface Size {
  checks: number;
  mutations: number;
  keyBytes: number;
  bytes: number;
}

function plus(a: Size, b: Size): Size {
  return {
    checks: a.checks + b.checks,
    mutations: a.mutations + b.mutations,
    keyBytes: a.keyBytes + b.keyBytes,
    bytes: a.bytes + b.bytes,
  };
}

function minus(a: Size, b: Size): Size {
  return {
    checks: a.checks - b.checks,
    mutations: a.mutations - b.mutations,
    keyBytes: a.keyBytes - b.keyBytes,
    bytes: a.bytes - b.bytes,
  };
}

function fits(a: Size, b: Size): boolean {
  return a.checks + b.checks <= BUDGET.checks && a.mutations + b.mutations <= BUDGET.mutations &&
    a.keyBytes + b.keyBytes <= BUDGET.keyBytes && a.bytes + b.bytes <= BUDGET.bytes;
}

const ZERO: Size = { checks: 0, mutations: 0, keyBytes: 0, bytes: 0 };

/**
 * An upper-ish bound of a value's serialized size (V8 serialization is close to JSON for our records; a string
 * counted in UTF-8, never fewer bytes than V8 writes), summed field by field: no JSON text is built for every
 * value of every commit.
 */
export function valueBytes(value: unknown): number {
  if (value === null || value === undefined) return 8;
  if (typeof value === "string") return byteLength(value) + 8;
  if (typeof value !== "object") return 16;
  if (value instanceof Uint8Array) return value.length + 8;
  if (Array.isArray(value)) {
    let n = 8;
    for (const v of value) n += valueBytes(v);
    return n;
  }
  let n = 16;
  for (const key in value) n += byteLength(key) + 4 + valueBytes((value as Record<string, unknown>)[key]);
  return n;
}

/** Members (indexes) whose write sets share one atomic. */
export interface Pack {
  members: number[];
  sets: WriteSet[];
}

/**
 * Packs write sets, in order, into atomics within the budget. A write set too big for any atomic on its own
 * comes back in `oversize` (see `splitOversize`).
 */
export function pack(
  sets: readonly { index: number; set: WriteSet }[],
): { packs: Pack[]; oversize: number[] } {
  const packs: Pack[] = [];
  const oversize: number[] = [];
  let current: Pack | null = null;
  let used: Size = ZERO;
  for (const { index, set } of sets) {
    const size = set.size;
    if (!fits(ZERO, size)) {
      oversize.push(index);
      continue;
    }
    if (!current || !fits(used, size)) {
      current = { members: [], sets: [] };
      packs.push(current);
      used = ZERO;
    }
    current.members.push(index);
    current.sets.push(set);
    used = plus(used, size);
  }
  return { packs, oversize };
}

/**
 * A write set too big for one atomic: its units in chunks that fit (committed first, each chunk one atomic;
 * made as they are taken, so a write whose first chunk fails makes no more), then the rest, which must fit in
 * one atomic or the write fails.
 */
export function splitOversize(set: WriteSet): { chunks: Iterable<Unit>; rest: WriteSet } {
  const rest = new WriteSet();
  for (const c of set.checks) rest.check(c);
  for (const m of set.mutations) {
    if (m.type === "delete") rest.delete(m.key);
    else rest.set(m.key, m.value);
  }
  return { chunks: chunksOf(set.units), rest };
}

function* chunksOf(units: readonly Unit[]): Generator<Unit> {
  let chunk: Unit[] = [];
  let used = ZERO;
  for (const u of units) {
    if (chunk.length > 0 && !fits(used, u.size)) {
      yield merged(chunk, used);
      chunk = [];
      used = ZERO;
    }
    chunk.push(u);
    used = plus(used, u.size);
  }
  if (chunk.length > 0) yield merged(chunk, used);
}

function merged(units: readonly Unit[], size: Size): Unit {
  let added = 0;
  for (const u of units) added += u.added;
  return {
    checks: units.flatMap((u) => u.checks),
    mutations: units.flatMap((u) => u.mutations),
    added,
    size,
  };
}

/** One atomic of several write sets. */
export function atomicOf(kv: Deno.Kv, sets: readonly WriteSet[]): Deno.AtomicOperation {
  const op = kv.atomic();
  for (const set of sets) {
    if (set.checks.length > 0) op.check(...set.checks);
    for (const u of set.units) {
      if (u.checks.length > 0) op.check(...u.checks);
      op.mutate(...u.mutations);
    }
    if (set.mutations.length > 0) op.mutate(...set.mutations);
  }
  return op;
}

/** One chunk of `splitOversize` as an atomic. */
export function atomicOfUnit(kv: Deno.Kv, unit: Unit): Deno.AtomicOperation {
  const op = kv.atomic();
  if (unit.checks.length > 0) op.check(...unit.checks);
  return op.mutate(...unit.mutations);
}

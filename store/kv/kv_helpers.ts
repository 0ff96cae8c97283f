/**
 * Small helpers the KV stores share: reading many keys (KV's `getMany` takes at most 10), collecting a
 * listing, retrying an optimistic atomic commit, changing one value under a check, and writing many keys in
 * atomics of a bounded size.
 */

import { GET_MANY_MAX } from "./keys.ts";
import type { Changed } from "../mod.ts";

/** Deno KV atomics allow 1000 mutations and 100 checks; fleet writes stay well below. */
export const ATOMIC_MUTATIONS = 300;

/** Checks one Deno KV atomic may hold (more: its commit throws "Too many checks"). */
export const ATOMIC_CHECKS = 100;

/**
 * Any number of keys, ten at a time, one `getMany` after the other (the fleet's background reads, e.g.
 * retention's, need no more than one call out at a time; the hot path's `getAll` in `keys.ts` sends them at once).
 */
export async function getMany<T>(kv: Deno.Kv, keys: readonly Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> {
  const out: Deno.KvEntryMaybe<T>[] = [];
  for (let i = 0; i < keys.length; i += GET_MANY_MAX) {
    out.push(...await kv.getMany<T[]>(keys.slice(i, i + GET_MANY_MAX)));
  }
  return out;
}

/** Every entry a selector lists (bounded by `limit` when given). */
export async function listAll<T>(
  kv: Deno.Kv,
  selector: Deno.KvListSelector,
  options: Deno.KvListOptions = {},
): Promise<Deno.KvEntry<T>[]> {
  const out: Deno.KvEntry<T>[] = [];
  for await (const entry of kv.list<T>(selector, options)) out.push(entry);
  return out;
}

/**
 * Runs `attempt` until it returns a value other than `undefined` (a lost race answers undefined and reads
 * again), at most `max` times.
 *
 * @example
 * ```ts ignore
 * const ok = await retryAtomic("claim a task", async () => (await op.commit()).ok ? true : undefined);
 * ```
 */
export async function retryAtomic<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  max = 50,
): Promise<T> {
  for (let i = 0; i < max; i++) {
    const value = await attempt();
    if (value !== undefined) return value;
  }
  throw new Error(`Cannot ${what}: too many concurrent writers`);
}

/**
 * `run` once per process (a one-time indexing of what an older version wrote): callers share its promise until
 * it succeeds; a failure lets the next call try again.
 *
 * @example
 * ```ts ignore
 * readonly #ready = onceUntilDone(() => this.#indexOld());
 * ```
 */
export function onceUntilDone(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () =>
    running ??= run().catch((error) => {
      running = null;
      throw error;
    });
}

/**
 * Changes one key's value under a check of what was read: `change` answers the new value, null to delete it,
 * or undefined to leave it as it is; a lost race reads again (at most 100 times).
 */
export function changeEntry<T>(
  kv: Deno.Kv,
  key: Deno.KvKey,
  what: string,
  change: (stored: T | null) => T | null | undefined,
  /** More writes for the atomic that writes the change (not when nothing changes). */
  also?: (op: Deno.AtomicOperation) => void,
): Promise<Changed<T>> {
  return retryAtomic(what, async () => {
    const entry = await kv.get<T>(key);
    const after = change(entry.value);
    if (after === undefined) return { before: entry.value, after: entry.value };
    const op = kv.atomic().check(entry);
    if (after === null) op.delete(key);
    else op.set(key, after);
    also?.(op);
    return (await op.commit()).ok ? { before: entry.value, after } : undefined;
  }, 100);
}

/** The key that sorts right after every key starting with `prefix`'s last string part `text`. */
export function after(text: string): string {
  return text + "\0";
}

/**
 * Writes committed in atomics of `size` writes each (a long listing moved or indexed as it is read, a large
 * blob): `add` puts one write in the current atomic and commits it once full, `flush` commits what is left.
 * `ok` turns false when an atomic's checks failed (what it held is not written; the rest goes on).
 */
export class AtomicBatches {
  ok = true;
  #op: Deno.AtomicOperation;
  #pending = 0;

  constructor(private readonly kv: Deno.Kv, private readonly size: number) {
    this.#op = kv.atomic();
  }

  async add(write: (op: Deno.AtomicOperation) => void): Promise<void> {
    write(this.#op);
    if (++this.#pending === this.size) await this.flush();
  }

  /** Commits the current atomic; resolves with `ok`. */
  async flush(): Promise<boolean> {
    if (this.#pending > 0 && !(await this.#op.commit()).ok) this.ok = false;
    this.#op = this.kv.atomic();
    this.#pending = 0;
    return this.ok;
  }
}

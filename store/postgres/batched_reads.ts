/**
 * Batched hot-path reads on PostgreSQL: the lookups stations' handlers ask while deciding (an idTag, a
 * transaction by id, a start's replay key, the active transactions on a connector) coalesce into one statement
 * per kind. What arrives while a statement of its kind is in flight goes into the next one, sent as soon as it
 * returns; an idle kind sends at once (same-tick calls still share it), so a lone read waits for nobody.
 *
 * A read joins a statement sent after it was asked for, so it sees everything committed before the question,
 * as a query of its own would. When the database refuses a batch (one key it cannot take, e.g. an out-of-range
 * number), each key is read alone so one station's bad key never fails another's read; when it cannot be
 * reached, every caller fails with StoreUnavailableError.
 */
import { GroupCommit } from "../group_commit.ts";
import { STORE_CALL_TIMEOUT_MS } from "./bounded_calls.ts";
import { CallStatements } from "./call_statements.ts";
import { bounded, isUnavailable } from "./sql.ts";

/**
 * The bound of a batched read in the stores that have no operation timeout of their own (energy, fleet,
 * station security): the one of their calls (`bounded_calls.ts`), the Store's default operation timeout.
 */
export const BATCHED_READ_TIMEOUT_MS = STORE_CALL_TIMEOUT_MS;

/** Most keys one statement carries. */
const MAX_KEYS = 1000;

/**
 * One kind of read: `many` answers a batch (one value per key, in order), `one` a single key (default: `many`
 * of that key alone).
 */
export interface ReadKind<K, V> {
  what: string;
  one?: (key: K) => Promise<V>;
  many: (keys: K[]) => Promise<V[]>;
}

export class BatchedRead<K, V> {
  readonly #group: GroupCommit<K, V>;

  constructor(kind: ReadKind<K, V>, timeoutMs: number) {
    const one = kind.one ?? (async (key: K) => (await kind.many([key]))[0]!);
    // A batch serves many callers: only its own bound cancels its statement (`call_statements.ts`).
    const alone = (key: K) =>
      bounded(kind.what, timeoutMs, () => one(key), undefined, CallStatements.ownBound());
    this.#group = new GroupCommit<K, V>("whileBusy", MAX_KEYS, async (keys) => {
      if (keys.length === 1) return [fulfilled(await alone(keys[0]!))];
      try {
        const values = await bounded(
          `${kind.what} (${keys.length} at once)`,
          timeoutMs,
          () => kind.many(keys),
          undefined,
          CallStatements.ownBound(),
        );
        return values.map(fulfilled);
      } catch (error) {
        if (isUnavailable(error)) throw error;
        return await Promise.allSettled(keys.map(alone));
      }
    });
  }

  get(key: K): Promise<V> {
    return this.#group.submit(key);
  }
}

function fulfilled<V>(value: V): PromiseSettledResult<V> {
  return { status: "fulfilled", value };
}

/** Rows of a batched statement, grouped by the key they answer (`keyOf`), in the order of `keys`. */
export function byKey<R, K>(rows: readonly R[], keys: readonly K[], keyOf: (row: R) => K): R[][] {
  const of = new Map<K, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = of.get(key);
    if (list) list.push(row);
    else of.set(key, [row]);
  }
  return keys.map((key) => of.get(key) ?? []);
}

/**
 * The row of a batched statement answering each key (`keyOf`: its key; at most one row per key), converted
 * with `convert`, in the order of `keys`; null for a key no row answers.
 */
export function oneByKey<R, K, V>(
  rows: readonly R[],
  keys: readonly K[],
  keyOf: (row: R) => K,
  convert: (row: R) => V,
): (V | null)[] {
  const found = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => {
    const row = found.get(key);
    return row === undefined ? null : convert(row);
  });
}

/** Rows of a batched statement, grouped by the ordinal (`n`, 1-based) of the key they answer. */
export function byOrdinal<R extends { n: number | string }>(rows: readonly R[], keys: number): R[][] {
  const out: R[][] = Array.from({ length: keys }, () => []);
  for (const row of rows) out[Number(row.n) - 1]?.push(row);
  return out;
}

/**
 * The pool a store is handed (`migrate.ts` `openMigratedPool`): postgres.js's, with two rules for whatever runs
 * on it. Each query made on it, and each statement of a transaction begun on it, is recorded for the bounded
 * call that made it (`call_statements.ts`), so the call's bound cancels it. And a transaction begun on it first
 * gets its idle bound (`postgres_transaction_bounds.ts`), so a node frozen in it holds its locks only so long.
 * A plain query made on it, or a transaction's BEGIN, refused with another session's termination (or, a plain
 * query, with a cancel that was not its own) is asked once more (`termination_retry.ts`); a statement of a
 * transaction is not. A transaction whose connection closed under it sends nothing more on it, no ROLLBACK
 * either (`transaction_loss.ts`). Reserved connections (`reserve.ts`, the group commits' and migrations') pass
 * through: they keep their own statements.
 *
 * @example
 * ```ts ignore
 * const sql = storePool(openPostgresPool(url, { max: 4 }));
 * await sql.begin(async (tx) => await tx`update jobs set state = 'done' where id = ${id}`);
 * ```
 */
import type { Sql } from "postgres";
import { CallStatements } from "./call_statements.ts";
import { askedOnceMoreAfterTermination, isTermination } from "./termination_retry.ts";
import { IDLE_IN_TRANSACTION_BOUND } from "../../postgres_transaction_bounds.ts";
import { TransactionLoss } from "./transaction_loss.ts";

const POOLS = new WeakSet<object>();

export function storePool(pool: Sql): Sql {
  if (POOLS.has(pool)) return pool;
  const wrapped = recording(pool, true, async (tx, fn) => {
    await tx.unsafe(IDLE_IN_TRANSACTION_BOUND);
    return await fn(tx);
  });
  POOLS.add(wrapped);
  return wrapped;
}

type Scope = (tx: Sql, fn: (tx: Sql) => unknown) => Promise<unknown>;
type Record = <T>(made: T) => T;

/** A query made on the pool itself: it runs alone, so a termination that refused it may be asked again. */
function recordedAlone<T>(made: T): T {
  return CallStatements.record(askedOnceMoreAfterTermination(made));
}

/**
 * `sql` with its queries recorded for their call; what `begin` (or `savepoint`) runs gets its transaction
 * recording too, entered through `scope` (the idle bound for a transaction; as it is for a savepoint). `alone`:
 * `sql` is the pool, whose queries run alone, and a query or a BEGIN refused with another session's
 * termination is asked once more (`termination_retry.ts`); a transaction's statements are only recorded, and
 * sent only while its connection is not lost (`loss`, `transaction_loss.ts`).
 */
function recording<S extends Sql>(sql: S, alone: boolean, scope: Scope, loss?: TransactionLoss): S {
  const record: Record = alone ? recordedAlone : <T>(made: T) => loss!.guarded(CallStatements.record(made));
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(sql, {
    apply: (target, self, args) => record(Reflect.apply(target, self, args)),
    get: (target, key) => {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      let wrapper = wrappers.get(key);
      if (wrapper) return wrapper;
      if (key === "unsafe" || key === "file") {
        wrapper = (...args: unknown[]) => record(value.apply(target, args));
      } else if (key === "begin" || key === "savepoint") {
        // begin(options?, fn): the callback is the last argument.
        const inner: Scope = key === "begin" ? scope : (tx, fn) => Promise.resolve(fn(tx));
        wrapper = (...args: unknown[]) => {
          const fn = args.at(-1);
          if (typeof fn !== "function") return value.apply(target, args);
          // A savepoint shares its transaction's connection, and its watch.
          if (loss?.lost) return Promise.reject(loss.error());
          let began = false;
          const begin = () => {
            const watched = loss ?? new TransactionLoss();
            const run = (tx: Sql) => {
              began = true;
              return watched.held(
                inner(recording(tx, false, (t, f) => Promise.resolve(f(t)), watched), (t) => {
                  // postgres.js awaits an array of queries a transaction's callback answers as Promise.all.
                  const answer = fn(t);
                  return Array.isArray(answer) ? Promise.all(answer) : answer;
                }),
              );
            };
            const begun = value.apply(target, [...args.slice(0, -1), run]) as Promise<unknown>;
            if (!loss) watched.watch(begun);
            return begun;
          };
          if (!alone || key !== "begin") return begin();
          // A BEGIN refused with another session's termination: nothing of the transaction ran, it is begun once
          // more. Once the callback ran, the transaction fails with its connection.
          return begin().catch((err: unknown) => {
            if (began || !isTermination(err)) throw err;
            return begin();
          });
        };
      } else {
        return value;
      }
      wrappers.set(key, wrapper);
      return wrapper;
    },
  });
}

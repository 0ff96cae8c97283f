/**
 * Every call of a PostgreSQL store object bounded as the Store's are (`sql.ts` `bounded`): a connection that
 * stops answering fails the call with StoreUnavailableError (503 for an operator, a failed turn for a
 * station, a failed round for a background task) instead of holding it for ever. One wrapper for the stores
 * whose methods are each one short call (auth, energy, fleet, the Security extension's PKI and files).
 *
 * @example
 * ```ts ignore
 * const auth = boundedCalls(new PostgresAuthStore(sql), "auth", 10_000);
 * await auth.listUsers(); // StoreUnavailableError after 10 s of silence
 * ```
 */
import { CallStatements } from "./call_statements.ts";
import { bounded } from "./sql.ts";

/** How long a call of these stores may take before it is reported failed (as the Store's calls). */
export const STORE_CALL_TIMEOUT_MS = 10_000;

/**
 * `store` with each method that answers a promise bounded to `timeoutMs`, named `<name>.<method>` in the
 * error; `close` and the methods named in `unbounded` (one whose length is the caller's, a stream's) pass
 * through, and so does everything else (fields, synchronous methods' answers).
 */
export function boundedCalls<T extends object>(
  store: T,
  name: string,
  timeoutMs: number = STORE_CALL_TIMEOUT_MS,
  unbounded: readonly (keyof T & string)[] = [],
): T {
  const passing = new Set<PropertyKey>(["close", ...unbounded]);
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function" || typeof key === "symbol" || key === "constructor") return value;
      let wrapper = wrappers.get(key);
      if (!wrapper) {
        const what = `run ${name}.${key}`;
        const bound = !passing.has(key);
        wrapper = (...args: unknown[]) => {
          // Called on the store itself: its private fields are not reachable through the proxy. Called as the
          // bounded call, so that its bound cancels the statements it made (`call_statements.ts`).
          if (!bound) return value.apply(target, args);
          const statements = new CallStatements();
          const answer = statements.run(() => value.apply(target, args));
          return answer instanceof Promise
            ? bounded(what, timeoutMs, () => answer, undefined, statements)
            : answer;
        };
        wrappers.set(key, wrapper);
      }
      return wrapper;
    },
  });
}

/**
 * For `bench/pg_promotion.ts` (`PG_PROMOTION_QUERY=plain`): postgres.js's queries as plain thenables around a
 * native promise instead of its `class Query extends Promise`, the class's base swapped at run time (postgres.js
 * does not export it; it is reached through a query that is never sent). In that micro-benchmark the swap takes
 * V8's promotion from 2.5-5 MB per scavenge to next to nothing; in the server it changed neither the promotion
 * nor saturation (bench/README.md, "Thirteenth round"), so the server does not use it.
 */
import type { Sql } from "postgres";

const settled = Symbol("the query's promise");

interface Thenable {
  [settled]: Promise<unknown>;
}

/** The base postgres.js's `Query` gets: the executor it passes to `super` drives a native promise. */
class PlainQueryBase {
  [settled]: Promise<unknown>;

  constructor(executor: (resolve: (value: unknown) => void, reject: (reason: unknown) => void) => void) {
    this[settled] = new Promise(executor);
  }

  then(
    onFulfilled?: (value: unknown) => unknown,
    onRejected?: (reason: unknown) => unknown,
  ): Promise<unknown> {
    return (this as Thenable)[settled].then(onFulfilled, onRejected);
  }

  catch(onRejected?: (reason: unknown) => unknown): Promise<unknown> {
    return (this as Thenable)[settled].catch(onRejected);
  }

  finally(onFinally?: () => void): Promise<unknown> {
    return (this as Thenable)[settled].finally(onFinally);
  }
}

/**
 * Makes every postgres.js query of this process a plain thenable (idempotent). Returns false, changing
 * nothing, when postgres.js's query class is not the `Promise` subclass this was written for (a later
 * version may have changed it).
 */
export function usePlainQueryPromises(sql: Sql): boolean {
  // A query is built when the tag is called and sent only when awaited or executed: this one never is.
  const Query = (sql`select 1` as unknown as { constructor: { prototype: object } }).constructor;
  if (Object.getPrototypeOf(Query) === PlainQueryBase) return true;
  if (Object.getPrototypeOf(Query) !== Promise) return false;
  Object.setPrototypeOf(Query, PlainQueryBase);
  Object.setPrototypeOf(Query.prototype, PlainQueryBase.prototype);
  return true;
}

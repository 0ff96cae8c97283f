/**
 * A query of the shared protections with a bound on its wait: PostgreSQL that hangs (a lock held, a host that
 * stopped answering) must not hold every handshake with it. The bound is kept here, on the client, because a
 * server that does not answer cannot enforce a `statement_timeout`; the query is cancelled as it is given up
 * (a server that answers again stops working on it).
 *
 * @example
 * ```ts ignore
 * const rows = await bounded(sql`select 1`, 1000, "key check budgets");
 * ```
 */
import type postgres from "postgres";

export class QueryTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`Gave up on "${what}" after ${ms} ms: PostgreSQL did not answer`);
    this.name = "QueryTimeoutError";
  }
}

/** `query`'s rows, or QueryTimeoutError once `ms` have passed without them. */
export async function bounded<T extends readonly postgres.MaybeRow[]>(
  query: postgres.PendingQuery<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      query.cancel();
      reject(new QueryTimeoutError(what, ms));
    }, ms);
  });
  try {
    return await Promise.race([query, timedOut]);
  } finally {
    clearTimeout(timer);
    // The cancelled query's own rejection comes after the race is decided: nobody awaits it.
    query.catch(() => {});
  }
}

/**
 * `Promise.all` for the pipelined statements of one transaction that fails with the error that aborted the
 * transaction, not with one of the statements behind it. Once a statement fails, PostgreSQL answers every
 * statement sent after it with 25P02 ("current transaction is aborted"), and one of those may reject first (a
 * statement nested in fewer awaits): a full disk (53100) then reached the group commit's observer as 25P02,
 * which refuses no write for the store's reasons, so no episode of failing writes started (`write_health.ts`)
 * and /readyz stayed 200. After a 25P02, every statement has its answer: waiting for them all costs nothing.
 *
 * @example
 * ```ts ignore
 * const [a, b] = await allStatements([c`insert ...`.execute(), c`update ...`.execute()]);
 * ```
 */
export async function allStatements<T extends readonly unknown[] | []>(
  statements: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  try {
    return await Promise.all(statements);
  } catch (error) {
    if (!isAbortedTransaction(error)) throw error;
    const settled = await Promise.allSettled(statements as readonly unknown[]);
    for (const s of settled) {
      if (s.status === "rejected" && !isAbortedTransaction(s.reason)) throw s.reason;
    }
    throw error;
  }
}

/** SQLSTATE 25P02 in_failed_sql_transaction: an earlier statement of the transaction failed. */
export function isAbortedTransaction(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "25P02";
}

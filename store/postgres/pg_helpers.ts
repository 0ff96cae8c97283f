/** Conversions and one change pattern the fleet's PostgreSQL stores share. */
import type postgres from "postgres";
import type { Sql, TransactionSql } from "postgres";
import type { Changed } from "../mod.ts";

export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

/** A jsonb parameter; SQL NULL for null/undefined. */
export function jsonb(sql: Sql | TransactionSql, value: unknown) {
  return value === null || value === undefined ? null : sql.json(value as postgres.JSONValue);
}

/** How `changeLocked` reads, writes and deletes one record. */
export interface LockedRecord<T> {
  read(tx: TransactionSql): Promise<T | null>;
  write(tx: TransactionSql, record: T): Promise<void>;
  remove(tx: TransactionSql): Promise<void>;
}

/**
 * Changes one record in a transaction holding the advisory lock `lockName` (a row lock needs a row; this one
 * also serialises the record's creation): `change` answers the new record, null to delete it, or undefined
 * to leave it as it is.
 */
export function changeLocked<T>(
  sql: Sql,
  lockName: string,
  record: LockedRecord<T>,
  change: (stored: T | null) => T | null | undefined,
): Promise<Changed<T>> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${lockName}))`;
    const before = await record.read(tx);
    const after = change(before);
    if (after === undefined) return { before, after: before };
    if (after === null) await record.remove(tx);
    else await record.write(tx, after);
    return { before, after };
  }) as Promise<Changed<T>>;
}

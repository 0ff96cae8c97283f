/** Conversions the fleet's PostgreSQL stores share. */
import type postgres from "postgres";
import type { Sql, TransactionSql } from "postgres";

export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

/** A jsonb parameter; SQL NULL for null/undefined. */
export function jsonb(sql: Sql | TransactionSql, value: unknown) {
  return value === null || value === undefined ? null : sql.json(value as postgres.JSONValue);
}

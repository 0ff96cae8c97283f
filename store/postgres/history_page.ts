/**
 * Pages of a station's history tables (status_history, command_log, file_status_history): newest first by
 * their time column, then by `seq` (the identity primary key), both descending, as their indexes
 * (`(charge_point_id, <time> desc, seq desc)`, migrations 001 and 010) are. The cursor is the last row's time
 * and seq; the next page is the rows strictly below it, compared as a row so entries of one millisecond are
 * neither repeated nor skipped.
 */
import type { Sql } from "postgres";
import { ForeignCursorError, type ListCursor } from "../../model/list_cursor.ts";
import type { HistoryPage, HistoryPageRequest } from "../mod.ts";
import { iso } from "./sql.ts";

/** A seq of ours: digits (an identity column, a bigint); anything else is another store's cursor. */
const SEQ = /^[0-9]{1,18}$/;

/** `and (<time>, seq) < (cursor)` for the page after `before`, or nothing for the first page. */
export function belowCursor(sql: Sql, timeColumn: string, before: ListCursor | undefined) {
  if (before === undefined) return sql``;
  if (!SEQ.test(before.id)) throw new ForeignCursorError(before);
  return sql`and (${sql(timeColumn)}, seq) < (${before.at}::timestamptz, ${before.id}::bigint)`;
}

/** The rows read (at most `page.limit`) as a page: their items, and the last one's cursor when it is full. */
export function toHistoryPage<R extends { seq: string | number | bigint }, T>(
  rows: readonly R[],
  page: HistoryPageRequest,
  time: (row: R) => Date,
  item: (row: R) => T,
): HistoryPage<T> {
  const last = rows.at(-1);
  return {
    items: rows.map(item),
    next: rows.length === page.limit && last !== undefined
      ? { at: iso(time(last)), id: String(last.seq) }
      : null,
  };
}

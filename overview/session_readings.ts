/**
 * A session's meter values by pages, oldest first, or only those received since a cursor (their
 * `receivedAt`), for a live chart that appends only what is new instead of downloading the whole session
 * again. With `since` the store reads by arrival (`pageMeterValuesReceivedSince`: by time near `since`, a
 * backlog by its own index) and the answer is in the order the values arrived: a poll reads what is new, not the session (it read every value of the
 * session on each poll, 40,000 for a long one, before). A station's backlog with old timestamps is still
 * found: it is new by arrival. Values of one MeterValues message are stored together with one receivedAt, so
 * "since" (inclusive) never splits a message.
 */
import type { ListCursor } from "../model/list_cursor.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import type { MeterValueStore } from "../store/mod.ts";

/**
 * The most meter values one answer carries (the page size of the meter values endpoint, the rows the
 * transaction detail embeds): a day at four measurands a minute, about 1.5 MB of JSON. A session beyond it
 * is read by pages.
 */
export const MAX_METER_PAGE = 5000;

/**
 * The most bytes of meter values (their JSON) one answer carries: rows count alone does not bound it, a
 * sampled value may be 5,000 characters (`MAX_SAMPLED_VALUE_LENGTH`, signed meter data). 5,000 ordinary rows
 * are about 1.4 MB, so only pages of such long values end early.
 */
export const MAX_METER_PAGE_BYTES = 2 * 1024 * 1024;

export interface ReadingsSince {
  /** Oldest first. */
  items: MeterValueRow[];
  /** The newest receivedAt seen: ask with it next time (null: nothing yet). */
  cursor: string | null;
  /** Where the next page starts (null: this was the last). */
  next: ListCursor | null;
}

type PageReader = Pick<MeterValueStore, "pageMeterValuesByTransaction" | "pageMeterValuesReceivedSince">;

/**
 * Up to `limit` rows and `maxBytes` of their JSON. A store page never asks for more rows than the answer
 * still has room for; one whose rows would pass the byte budget is read again only as long as the rows that
 * fit (the store's cursor is opaque here, so it names where that shorter page ends). `next` is exactly where
 * the answer stopped.
 */
export async function readingsSince(
  store: PageReader,
  transactionId: number,
  since: string | null,
  page: { limit: number; after?: ListCursor },
  maxBytes = MAX_METER_PAGE_BYTES,
): Promise<ReadingsSince> {
  const items: MeterValueRow[] = [];
  let bytes = 0;
  let after = page.after;
  let next: ListCursor | null = null;
  do {
    let read = await readPage(store, transactionId, since, page.limit - items.length, after);
    const sizes = read.items.map(jsonBytes);
    const fit = fitting(sizes, maxBytes - bytes);
    if (fit < read.items.length) {
      // Nothing fits after what the answer holds: it ends where the last page did.
      if (fit === 0 && items.length > 0) break;
      read = await readPage(store, transactionId, since, Math.max(1, fit), after);
      items.push(...read.items);
      next = read.next;
      break;
    }
    items.push(...read.items);
    bytes += sizes.reduce((a, b) => a + b, 0);
    next = read.next;
    if (next !== null) after = next;
  } while (next !== null && items.length < page.limit);
  return { items, cursor: newestReceivedAt(items, since), next };
}

function readPage(
  store: PageReader,
  transactionId: number,
  since: string | null,
  limit: number,
  after: ListCursor | undefined,
) {
  const from = after !== undefined ? { after } : {};
  return since === null
    ? store.pageMeterValuesByTransaction(transactionId, { limit, ...from })
    : store.pageMeterValuesReceivedSince(transactionId, { since, limit, ...from });
}

const utf8 = new TextEncoder();

function jsonBytes(row: MeterValueRow): number {
  return utf8.encode(JSON.stringify(row)).length + 1;
}

/** How many of `sizes`, from the first, fit in `budget`. */
function fitting(sizes: readonly number[], budget: number): number {
  let used = 0;
  for (let i = 0; i < sizes.length; i++) {
    used += sizes[i]!;
    if (used > budget) return i;
  }
  return sizes.length;
}

export function newestReceivedAt(
  rows: readonly { receivedAt: string }[],
  from: string | null,
): string | null {
  let cursor = from;
  for (const r of rows) if (cursor === null || r.receivedAt > cursor) cursor = r.receivedAt;
  return cursor;
}

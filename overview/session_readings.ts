/**
 * A session's meter values received since a cursor (their `receivedAt`), for a live chart that appends only
 * what is new instead of downloading the whole session again. The server still reads the session's values
 * (the stores have no query by receivedAt, and a station's backlog can arrive with old timestamps, so a
 * window of its newest values could miss some); what crosses the network is only the new ones. Values of one
 * MeterValues message are stored together with one receivedAt, so "since" (inclusive) never splits a message.
 */
import type { MeterValueRow } from "../model/meter_value.ts";
import type { MeterValueStore } from "../store/mod.ts";

export interface ReadingsSince {
  /** Oldest first. */
  items: MeterValueRow[];
  /** The newest receivedAt seen: ask with it next time (null: nothing yet). */
  cursor: string | null;
}

export async function readingsSince(
  store: Pick<MeterValueStore, "listMeterValuesByTransaction">,
  transactionId: number,
  since: string | null,
): Promise<ReadingsSince> {
  const rows = await store.listMeterValuesByTransaction(transactionId);
  const items = since === null ? rows : rows.filter((r) => r.receivedAt >= since);
  return { items, cursor: newestReceivedAt(items, since) };
}

export function newestReceivedAt(
  rows: readonly { receivedAt: string }[],
  from: string | null,
): string | null {
  let cursor = from;
  for (const r of rows) if (cursor === null || r.receivedAt > cursor) cursor = r.receivedAt;
  return cursor;
}

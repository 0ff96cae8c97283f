/**
 * A running session's new meter values, read once for the whole page however many islands follow them (the
 * chart, the admin's close-by-hand form): at each of its station's meter values for it, each event of the
 * session (its stop brings its last values) and each stream open (what arrived while the stream was down came
 * on no stream), the values received since the last read are asked for (`GET …/meter-values?since=`, every
 * page of them), and each island is handed the ones new to the page. Each island reading on its own asked the
 * server twice per meter event for the same rows.
 *
 * One reader per transaction and page (shared_feed.ts): the first island to follow it starts it from its
 * cursor (the page gives every island the same one), the last to leave ends it.
 */
import type { MeterValue, StationEvent } from "../components/types.ts";
import { advanceLiveCursor, type LiveCursor } from "../overview/live_cursor.ts";
import { apiFetch, subscribeEvents } from "./client.tsx";
import { type Feed, type OpenFeed, sharedFeeds, useSharedFeed } from "./shared_feed.ts";

/** Events close together (a frame's values, a stop after its last reading) are read at once. */
const GATHER_MS = 200;

interface Reader {
  feed: Feed<MeterValue[]>;
  cursor: LiveCursor;
  timer: ReturnType<typeof setTimeout> | null;
  inFlight: boolean;
  /** Asked for while a read was in flight: read again after it (a second read would ask from the same cursor). */
  again: boolean;
}

const readers = sharedFeeds<number, MeterValue[]>();

/** Every meter value of `transactionId` received since `since` (inclusive; all when null), oldest first. */
async function valuesSince(transactionId: number, since: string | null): Promise<MeterValue[]> {
  const items: MeterValue[] = [];
  let after: string | null = null;
  do {
    const query = new URLSearchParams();
    if (since) query.set("since", since);
    if (after) query.set("after", after);
    const page: { items: MeterValue[]; nextCursor?: string | null } = await apiFetch(
      `/api/v1/transactions/${transactionId}/meter-values${query.size > 0 ? `?${query}` : ""}`,
    );
    items.push(...page.items);
    after = page.nextCursor ?? null;
  } while (after !== null);
  return items;
}

function readSoon(transactionId: number, reader: Reader): void {
  if (reader.timer !== null) return;
  if (reader.inFlight) {
    reader.again = true;
    return;
  }
  reader.timer = setTimeout(async () => {
    reader.timer = null;
    reader.inFlight = true;
    reader.again = false;
    try {
      const rows = await valuesSince(transactionId, reader.cursor.since);
      // `since` is inclusive: the values of the cursor's millisecond come again and are told apart by their
      // time (live_cursor.ts), so none is handed out twice.
      const { fresh, cursor } = advanceLiveCursor(reader.cursor, rows);
      reader.cursor = cursor;
      if (fresh.length > 0) reader.feed.handOut(fresh);
    } catch {
      // Shown as it was; the next event or open tries again.
    } finally {
      reader.inFlight = false;
      if (reader.again && reader.feed.open) readSoon(transactionId, reader);
    }
  }, GATHER_MS);
}

/** Reads the session's new values, from `cursor` on, at each of its events and stream opens. */
function openReader(
  transactionId: number,
  chargePointId: string,
  cursor: LiveCursor,
): OpenFeed<MeterValue[]> {
  return (feed) => {
    const reader: Reader = { feed, cursor, timer: null, inFlight: false, again: false };
    const unsubscribe = subscribeEvents<StationEvent>(
      `chargePointId=${encodeURIComponent(chargePointId)}`,
      (event) => {
        const ours = (event.type === "meterValues" && event.transactionId === transactionId) ||
          (event.type === "transaction" && event.transaction.transactionId === transactionId);
        if (ours) readSoon(transactionId, reader);
      },
      (live) => {
        if (live) readSoon(transactionId, reader);
      },
    );
    return () => {
      unsubscribe();
      if (reader.timer !== null) clearTimeout(reader.timer);
    };
  };
}

/**
 * Follows the new meter values of `transaction` (received after `cursor`) while the island is mounted:
 * `onFresh` gets each batch new to the page, oldest first.
 */
export function useLiveMeterValues(
  transaction: { transactionId: number; chargePointId: string },
  cursor: LiveCursor,
  onFresh: (fresh: MeterValue[]) => void,
): void {
  const { transactionId, chargePointId } = transaction;
  useSharedFeed(readers, transactionId, openReader(transactionId, chargePointId, cursor), onFresh, [
    transactionId,
    chargePointId,
  ]);
}

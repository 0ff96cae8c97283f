/**
 * A running session's new meter values, read once for the whole page however many islands follow them (the
 * chart, the admin's close-by-hand form): at each of its station's meter values for it, each event of the
 * session (its stop brings its last values) and each stream open (what arrived while the stream was down came
 * on no stream), the values received since the last read are asked for (`GET …/meter-values?since=`, every
 * page of them), and each island is handed the ones new to the page. Each island reading on its own asked the
 * server twice per meter event for the same rows.
 *
 * One feed per transaction and page: the first island to follow it starts it from its cursor (the page gives
 * every island the same one), the last to leave ends it.
 */
import { useEffect, useRef } from "preact/hooks";
import type { MeterValue, StationEvent } from "../components/types.ts";
import { advanceLiveCursor, type LiveCursor } from "../overview/live_cursor.ts";
import { apiFetch, subscribeEvents } from "./client.tsx";

/** Events close together (a frame's values, a stop after its last reading) are read at once. */
const GATHER_MS = 200;

interface Feed {
  cursor: LiveCursor;
  listeners: Set<(fresh: MeterValue[]) => void>;
  timer: ReturnType<typeof setTimeout> | null;
  inFlight: boolean;
  /** Asked for while a read was in flight: read again after it (a second read would ask from the same cursor). */
  again: boolean;
  unsubscribe: () => void;
}

const feeds = new Map<number, Feed>();

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

function readSoon(transactionId: number, feed: Feed): void {
  if (feed.timer !== null) return;
  if (feed.inFlight) {
    feed.again = true;
    return;
  }
  feed.timer = setTimeout(async () => {
    feed.timer = null;
    feed.inFlight = true;
    feed.again = false;
    try {
      const rows = await valuesSince(transactionId, feed.cursor.since);
      // `since` is inclusive: the values of the cursor's millisecond come again and are told apart by their
      // time (live_cursor.ts), so none is handed out twice.
      const { fresh, cursor } = advanceLiveCursor(feed.cursor, rows);
      feed.cursor = cursor;
      if (fresh.length > 0) { for (const listener of feed.listeners) listener(fresh); }
    } catch {
      // Shown as it was; the next event or open tries again.
    } finally {
      feed.inFlight = false;
      if (feed.again && feeds.get(transactionId) === feed) readSoon(transactionId, feed);
    }
  }, GATHER_MS);
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
  const handler = useRef(onFresh);
  handler.current = onFresh;
  useEffect(() => {
    const { transactionId, chargePointId } = transaction;
    let feed = feeds.get(transactionId);
    if (!feed) {
      const created: Feed = {
        cursor,
        listeners: new Set(),
        timer: null,
        inFlight: false,
        again: false,
        unsubscribe: () => {},
      };
      feeds.set(transactionId, created);
      created.unsubscribe = subscribeEvents<StationEvent>(
        `chargePointId=${encodeURIComponent(chargePointId)}`,
        (event) => {
          const ours = (event.type === "meterValues" && event.transactionId === transactionId) ||
            (event.type === "transaction" && event.transaction.transactionId === transactionId);
          if (ours) readSoon(transactionId, created);
        },
        (live) => {
          if (live) readSoon(transactionId, created);
        },
      );
      feed = created;
    }
    const listener = (fresh: MeterValue[]) => handler.current(fresh);
    const joined = feed;
    joined.listeners.add(listener);
    return () => {
      joined.listeners.delete(listener);
      if (joined.listeners.size > 0) return;
      joined.unsubscribe();
      if (joined.timer !== null) clearTimeout(joined.timer);
      feeds.delete(transactionId);
    };
  }, [transaction.transactionId, transaction.chargePointId]);
}

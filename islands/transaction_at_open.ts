/**
 * A transaction as it is when its page's event stream opens, read once for the whole page however many
 * islands want it (the heading, the chart, Stop charging, the close-by-hand form): an end reported while the
 * stream was down (a server restart, a network blip) came on no stream, so at each open the session is read
 * again (`GET /api/v1/transactions/energy?ids=`, whose answer brings the whole row of a session no longer
 * running and only the status of one that runs) and each island is handed the answer. Each island reading on
 * its own asked the server four times per open for the same row.
 *
 * One reader per transaction and page (shared_feed.ts; live_meter_values.ts reads its meter values the same
 * way): the first island to follow it starts it, the last to leave ends it.
 */
import type { Transaction } from "../components/types.ts";
import { apiFetch, subscribeEvents } from "./client.tsx";
import { type Feed, type OpenFeed, sharedFeeds, useSharedFeed } from "./shared_feed.ts";

/** The session's item in the energy endpoint's answer: `transaction` only once it no longer runs. */
export interface TransactionAtOpen {
  status: Transaction["status"];
  transaction?: Transaction;
}

interface Reader {
  feed: Feed<TransactionAtOpen>;
  inFlight: boolean;
  /** An open while a read was in flight: read again after it (the first may have been answered before it). */
  again: boolean;
}

const readers = sharedFeeds<number, TransactionAtOpen>();

async function read(transactionId: number, reader: Reader): Promise<void> {
  if (reader.inFlight) {
    reader.again = true;
    return;
  }
  reader.inFlight = true;
  reader.again = false;
  try {
    const { items } = await apiFetch<{ items: TransactionAtOpen[] }>(
      `/api/v1/transactions/energy?ids=${transactionId}`,
    );
    const item = items[0];
    if (item) reader.feed.handOut(item);
  } catch {
    // Shown as it was; the next open tries again.
  } finally {
    reader.inFlight = false;
    if (reader.again && reader.feed.open) void read(transactionId, reader);
  }
}

/** Reads the session at each open of its station's event stream, until the page's last island leaves. */
function openReader(transactionId: number, chargePointId: string): OpenFeed<TransactionAtOpen> {
  return (feed) => {
    const reader: Reader = { feed, inFlight: false, again: false };
    return subscribeEvents(
      `chargePointId=${encodeURIComponent(chargePointId)}`,
      () => {},
      (live) => {
        if (live) void read(transactionId, reader);
      },
    );
  };
}

/**
 * Hands `onRead` the transaction as read at each open of its station's event stream while the island is
 * mounted (an unknown id is never handed).
 */
export function useTransactionAtOpen(
  transaction: { transactionId: number; chargePointId: string },
  onRead: (read: TransactionAtOpen) => void,
): void {
  const { transactionId, chargePointId } = transaction;
  useSharedFeed(readers, transactionId, openReader(transactionId, chargePointId), onRead, [
    transactionId,
    chargePointId,
  ]);
}

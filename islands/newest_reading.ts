/**
 * A running session's newest energy register reading (Wh, by its time), followed live in the browser: at each
 * of its station's meter values for it, and at each stream open (what arrived while the stream was down came
 * on no stream), the values received since the last read are asked for (`GET …/meter-values?since=`, every
 * page of them). A backlog's older readings, arriving late, do not replace a newer one.
 */
import { useRef, useState } from "preact/hooks";
import type { MeterValue, StationEvent } from "../components/types.ts";
import { advanceLiveCursor, type LiveCursor } from "../overview/live_cursor.ts";
import { type Point, readingsOf } from "../overview/meter_series.ts";
import { apiFetch, useEvents } from "./client.tsx";

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

/** `initial` and `cursor` are the page's: its newest reading and where its reading of the values stopped. */
export function useNewestReading(
  transaction: { transactionId: number; chargePointId: string },
  initial: Point | null,
  cursor: LiveCursor,
): Point | null {
  const [newest, setNewest] = useState(initial);
  const at = useRef(cursor);
  // One read at a time: a second would ask from the same cursor; one asked for meanwhile runs after it.
  const reading = useRef({ inFlight: false, again: false });
  const readNew = async (): Promise<void> => {
    if (reading.current.inFlight) {
      reading.current.again = true;
      return;
    }
    reading.current = { inFlight: true, again: false };
    try {
      const rows = await valuesSince(transaction.transactionId, at.current.since);
      const { fresh, cursor: next } = advanceLiveCursor(at.current, rows);
      at.current = next;
      const last = readingsOf(fresh).energy.at(-1);
      if (last) setNewest((shown) => (shown === null || last.t > shown.t ? last : shown));
    } catch {
      // Shown as it was; the next event or open tries again.
    } finally {
      const { again } = reading.current;
      reading.current = { inFlight: false, again: false };
      if (again) void readNew();
    }
  };
  useEvents(`chargePointId=${encodeURIComponent(transaction.chargePointId)}`, (event: StationEvent) => {
    if (event.type === "meterValues" && event.transactionId === transaction.transactionId) void readNew();
  }, () => void readNew());
  return newest;
}

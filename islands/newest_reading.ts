/**
 * A running session's newest energy register reading (Wh, by its time), followed live in the browser from the
 * page's shared reading of new meter values (islands/live_meter_values.ts: at each of its station's meter
 * values for it and at each stream open). A backlog's older readings, arriving late, do not replace a newer
 * one.
 */
import { useState } from "preact/hooks";
import type { LiveCursor } from "../overview/live_cursor.ts";
import { type Point, readingsOf } from "../overview/meter_series.ts";
import { useLiveMeterValues } from "./live_meter_values.ts";

/** `initial` and `cursor` are the page's: its newest reading and where its reading of the values stopped. */
export function useNewestReading(
  transaction: { transactionId: number; chargePointId: string },
  initial: Point | null,
  cursor: LiveCursor,
): Point | null {
  const [newest, setNewest] = useState(initial);
  useLiveMeterValues(transaction, cursor, (fresh) => {
    const last = readingsOf(fresh).energy.at(-1);
    if (last) setNewest((shown) => (shown === null || last.t > shown.t ? last : shown));
  });
  return newest;
}

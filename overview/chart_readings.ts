/**
 * The readings a transaction page draws, read from the meter values API a page at a time (each at most
 * `MAX_METER_PAGE` values) until the last: only one page of rows is held at once, the readings (a point per
 * timestamp) are thinned for drawing as they grow (`thinPoints`), so a long session costs the page time, not
 * memory, and the island's props stay small. Past `maxValues` it stops and says so (a station flooding one
 * session must not make its page read for ever).
 */
import type { MeterValueRow } from "../model/meter_value.ts";
import { mergeReadings, type Readings, readingsOf } from "./meter_series.ts";
import { newestReceivedAt } from "./session_readings.ts";
import { thinPoints } from "./thin_points.ts";

/** Points per series handed to the chart: about one per pixel of its width (each is drawn and tabled). */
export const MAX_CHART_POINTS = 1000;

/** The most meter values a page reads to draw a session (50 pages of the API's). */
export const MAX_CHART_VALUES = 250_000;

export interface MeterPage {
  items: MeterValueRow[];
  nextCursor: string | null;
}

export interface ChartReadings {
  readings: Readings;
  /** The newest receivedAt of the values read: the live chart asks since then. */
  cursor: string | null;
  /** How many values were read. */
  values: number;
  /** False when `maxValues` stopped the reading before the session's last value. */
  complete: boolean;
}

export async function chartReadings(
  first: MeterPage,
  readPage: (after: string) => Promise<MeterPage>,
  maxValues = MAX_CHART_VALUES,
  maxPoints = MAX_CHART_POINTS,
): Promise<ChartReadings> {
  let readings: Readings = { energy: [], power: [] };
  let cursor: string | null = null;
  let values = 0;
  // The rows of a page's last time wait for the next page: a frame's phases may be split across two pages,
  // and a reading is their sum.
  let held: MeterValueRow[] = [];
  let page = first;
  for (;;) {
    values += page.items.length;
    cursor = newestReceivedAt(page.items, cursor);
    const rows = [...held, ...page.items];
    const lastTime = page.nextCursor === null ? undefined : rows.at(-1)?.timestamp;
    held = lastTime === undefined ? [] : rows.filter((r) => r.timestamp === lastTime);
    const ready = lastTime === undefined ? rows : rows.filter((r) => r.timestamp !== lastTime);
    readings = mergeReadings(readings, readingsOf(ready));
    if (readings.energy.length > 2 * maxPoints || readings.power.length > 2 * maxPoints) {
      readings = thin(readings, maxPoints);
    }
    if (page.nextCursor === null || values >= maxValues) break;
    page = await readPage(page.nextCursor);
  }
  if (held.length > 0) readings = mergeReadings(readings, readingsOf(held));
  return { readings: thin(readings, maxPoints), cursor, values, complete: page.nextCursor === null };
}

function thin(readings: Readings, max: number): Readings {
  return { energy: thinPoints(readings.energy, max), power: thinPoints(readings.power, max) };
}

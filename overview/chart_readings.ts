/**
 * The readings a transaction page draws, read from the meter values API a page at a time (each at most
 * `MAX_METER_PAGE` values) until the last: only one page of rows is held at once, the readings (a point per
 * timestamp) are thinned for drawing as they grow (`thinPoints`), so a long session costs the page time, not
 * memory, and the island's props stay small. Past `maxValues` it stops and says so (a station flooding one
 * session must not make its page read for ever).
 */
import type { MeterValueRow } from "../model/meter_value.ts";
import { advanceLiveCursor, type LiveCursor } from "./live_cursor.ts";
import { mergeReadings, type Readings, readingsOf } from "./meter_series.ts";
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
  /** The newest receivedAt of the values read and those read of that millisecond: the live chart goes on from it. */
  cursor: LiveCursor;
  /** How many values were read. */
  values: number;
  /** How many energy readings (times with a register reading) they hold: `readings.energy` is thinned. */
  energyReadings: number;
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
  let cursor: LiveCursor = { since: null, seenTimes: [] };
  let values = 0;
  let energyReadings = 0;
  // The rows of a page's last time wait for the next page: a frame's phases may be split across two pages,
  // and a reading is their sum.
  let held: MeterValueRow[] = [];
  let page = first;
  for (;;) {
    values += page.items.length;
    cursor = advanceLiveCursor(cursor, page.items).cursor;
    const rows = [...held, ...page.items];
    const lastTime = page.nextCursor === null ? undefined : rows.at(-1)?.timestamp;
    held = lastTime === undefined ? [] : rows.filter((r) => r.timestamp === lastTime);
    const ready = lastTime === undefined ? rows : rows.filter((r) => r.timestamp !== lastTime);
    const fresh = readingsOf(ready);
    energyReadings += fresh.energy.length;
    readings = boundReadings(mergeReadings(readings, fresh), maxPoints);
    if (page.nextCursor === null || values >= maxValues) break;
    page = await readPage(page.nextCursor);
  }
  if (held.length > 0) {
    const fresh = readingsOf(held);
    energyReadings += fresh.energy.length;
    readings = mergeReadings(readings, fresh);
  }
  return {
    readings: thin(readings, maxPoints),
    cursor,
    values,
    energyReadings,
    complete: page.nextCursor === null,
  };
}

/**
 * Readings kept drawable as they grow (a page's reading, the live chart's additions): once a series passes
 * twice `max` points both are thinned to `max` (`thinPoints`: the ends and the extremes stay, so the chart
 * does not jump), so they never hold more than twice `max`, and thinning is rare.
 */
export function boundReadings(readings: Readings, max = MAX_CHART_POINTS): Readings {
  return readings.energy.length > 2 * max || readings.power.length > 2 * max ? thin(readings, max) : readings;
}

function thin(readings: Readings, max: number): Readings {
  return { energy: thinPoints(readings.energy, max), power: thinPoints(readings.power, max) };
}

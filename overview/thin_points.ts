/**
 * A series thinned for drawing: at most `max` points, the lowest and the highest of each of `max / 2` slices
 * of equal time between the first and the last point, in time order (min-max decimation), the first and last
 * points always kept. A chart a few hundred pixels wide shows no more, and unlike keeping every n-th point it
 * keeps a power peak. Slices of time, not of points: a series thinned once and then grown by live readings
 * (dense at its end) is thinned again to the same detail everywhere, so its older part does not lose half its
 * points at every thinning, and the lowest and highest values (the chart's axes) stay.
 *
 * @example
 * ```ts
 * thinPoints([{ t: 0, v: 1 }, { t: 1, v: 9 }, { t: 2, v: 2 }, { t: 3, v: 3 }], 2); // [{ t: 0, v: 1 }, { t: 3, v: 3 }]
 * ```
 */
import type { Point } from "./meter_series.ts";

export function thinPoints(points: readonly Point[], max: number): Point[] {
  if (points.length <= max) return [...points];
  if (max < 4) return [points[0]!, points.at(-1)!].slice(0, Math.max(0, max));
  const inner = points.slice(1, -1);
  // Two points a slice, between the first and the last.
  const slices = Math.floor((max - 2) / 2);
  const from = inner[0]!.t;
  const span = inner.at(-1)!.t - from;
  const low: (Point | undefined)[] = new Array(slices);
  const high: (Point | undefined)[] = new Array(slices);
  for (const p of inner) {
    const s = span > 0 ? Math.min(slices - 1, Math.floor(((p.t - from) / span) * slices)) : 0;
    if (low[s] === undefined || p.v < low[s]!.v) low[s] = p;
    if (high[s] === undefined || p.v > high[s]!.v) high[s] = p;
  }
  const out: Point[] = [points[0]!];
  for (let s = 0; s < slices; s++) {
    const l = low[s];
    const h = high[s];
    if (l === undefined || h === undefined) continue;
    if (l === h) out.push(l);
    else out.push(...(l.t < h.t ? [l, h] : [h, l]));
  }
  out.push(points.at(-1)!);
  return out;
}

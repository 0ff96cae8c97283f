/**
 * A series thinned for drawing: at most `max` points, the lowest and the highest of each of `max / 2` equal
 * slices of the series, in time order (min-max decimation), the first and last points always kept. A chart a
 * few hundred pixels wide shows no more, and unlike keeping every n-th point it keeps a power peak.
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
  const out: Point[] = [points[0]!];
  for (let s = 0; s < slices; s++) {
    const from = Math.floor((s * inner.length) / slices);
    const slice = inner.slice(from, Math.floor(((s + 1) * inner.length) / slices));
    if (slice.length === 0) continue;
    let low = slice[0]!;
    let high = slice[0]!;
    for (const p of slice) {
      if (p.v < low.v) low = p;
      if (p.v > high.v) high = p;
    }
    if (low === high) out.push(low);
    else out.push(...(low.t < high.t ? [low, high] : [high, low]));
  }
  out.push(points.at(-1)!);
  return out;
}

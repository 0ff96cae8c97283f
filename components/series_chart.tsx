/**
 * Several series over time on one SVG chart, drawn by us (no chart library): a site's limit, allocation and
 * measured current, or a composite schedule. A `step` series holds each value until the next point, as a
 * limit does. `schedulePoints` turns a charging schedule's periods into such a series.
 */
import type { Point } from "../overview/meter_series.ts";
import { Axes, clock, H, PAD, ticks, W } from "./chart.tsx";

export interface Series {
  name: string;
  /** The CSS colour family: `.series-<tone>`. */
  tone: "limit" | "allocated" | "measured" | "schedule";
  points: Point[];
  /** Hold each value until the next point (a limit), rather than a straight line between points. */
  step?: boolean;
}

/**
 * A charging schedule's periods as step points from `start` (epoch ms): one point per period, and one at the
 * end of the schedule so its last period is drawn too.
 *
 * @example
 * ```ts
 * schedulePoints(0, [{ startPeriod: 0, limit: 16 }, { startPeriod: 60, limit: 8 }], 120);
 * // [{ t: 0, v: 16 }, { t: 60000, v: 8 }, { t: 120000, v: 8 }]
 * ```
 */
export function schedulePoints(
  start: number,
  periods: readonly { startPeriod: number; limit: number }[],
  durationS: number,
): Point[] {
  const points = periods.map((p) => ({ t: start + p.startPeriod * 1000, v: p.limit }));
  const last = points.at(-1);
  const end = start + durationS * 1000;
  if (last && end > last.t) points.push({ t: end, v: last.v });
  return points;
}

export function SeriesChart(props: { id: string; title: string; unit: string; series: Series[] }) {
  const all = props.series.flatMap((s) => s.points);
  const titleId = `${props.id}-title`;
  if (all.length === 0) {
    return (
      <figure class="chart" data-chart={props.id} data-points={0}>
        <figcaption id={titleId}>{props.title}</figcaption>
        <p class="muted">Nothing to draw yet.</p>
      </figure>
    );
  }
  const t0 = Math.min(...all.map((p) => p.t));
  const last = Math.max(...all.map((p) => p.t));
  const t1 = last > t0 ? last : t0 + 1000;
  const vMax = Math.max(...all.map((p) => p.v), 1);
  const top = vMax * 1.08;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const path = (s: Series) =>
    s.points.map((p, i) => {
      const at = `${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`;
      if (i === 0) return `M${at}`;
      return s.step ? `H${x(p.t).toFixed(1)} V${y(p.v).toFixed(1)}` : `L${at}`;
    }).join(" ");
  const xTicks = [t0, t0 + (t1 - t0) / 2, t1];
  return (
    <figure class="chart chart-series" data-chart={props.id} data-points={all.length}>
      <figcaption id={titleId}>
        {props.title}{" "}
        <span class="series-legend">
          {props.series.map((s) => (
            <span key={s.name} class={`key series-${s.tone}`}>
              {s.name}
              {s.points.length > 0 && `: ${s.points.at(-1)!.v} ${props.unit}`}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId} preserveAspectRatio="xMidYMid meet">
        <Axes xTicks={xTicks} yTicks={ticks(0, top)} x={x} y={y} unit={props.unit} />
        {props.series.map((s) => (
          <path key={s.name} class={`series series-${s.tone}`} d={path(s)} data-series={s.name} />
        ))}
        {props.series.filter((s) => !s.step).flatMap((s) =>
          s.points.map((p, i) => (
            <circle key={`${s.name}${i}`} class={`point series-${s.tone}`} cx={x(p.t)} cy={y(p.v)} r={3}>
              <title>{clock(p.t)} UTC: {p.v} {props.unit}</title>
            </circle>
          ))
        )}
      </svg>
    </figure>
  );
}

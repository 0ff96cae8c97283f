/**
 * Energy and power of a transaction over time, drawn as SVG by us (no chart library). The readings come from
 * `overview/meter_series.ts` (total, not per phase; units converted; power derived from the energy register
 * when the station does not sample power itself).
 */
import type { Point } from "../overview/meter_series.ts";

/** Round-ish tick values covering [min, max]. */
export function ticks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    out.push(Number(v.toFixed(10)));
  }
  return out;
}

/** `HH:MM:SS` of an epoch-ms time, UTC. */
export function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 19);
}

/** The SVG user space of every chart, and the margins its axes take. */
export const W = 640;
export const H = 240;
export const PAD = { left: 56, right: 16, top: 24, bottom: 36 };

/**
 * A chart's grid, axis labels (values at `yTicks`, times at `xTicks`) and unit, for the scales `x` and `y`.
 * Values print as `ticks()` made them (round numbers): a fixed number of decimals printed 0.25 as 0.3 and two
 * ticks of a small range as the same number.
 */
export function Axes(props: {
  xTicks: number[];
  yTicks: number[];
  x: (t: number) => number;
  y: (v: number) => number;
  unit: string;
}) {
  const { x, y } = props;
  return (
    <>
      {props.yTicks.map((v) => (
        <g key={`y${v}`} class="grid">
          <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
          <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end">{v}</text>
        </g>
      ))}
      {props.xTicks.map((t, i) => (
        <text
          key={`x${i}`}
          class="axis"
          x={x(t)}
          y={H - 12}
          text-anchor={i === 0 ? "start" : i === props.xTicks.length - 1 ? "end" : "middle"}
        >
          {clock(t)}
        </text>
      ))}
      {/* Above the plot: the top tick's label, at its top edge, would cover it. */}
      <text class="axis" x={12} y={PAD.top - 12}>{props.unit}</text>
    </>
  );
}

export function LineChart(props: {
  id: string;
  title: string;
  unit: string;
  points: Point[];
  tone: "energy" | "power";
  note?: string;
}) {
  const { points } = props;
  const titleId = `${props.id}-title`;
  if (points.length === 0) {
    return (
      <figure class="chart" data-chart={props.id}>
        <figcaption id={titleId}>{props.title}</figcaption>
        <p class="muted">No {props.title.toLowerCase()} readings yet.</p>
      </figure>
    );
  }
  const t0 = points[0]!.t;
  const t1 = Math.max(points.at(-1)!.t, t0 + 1000);
  const vMax = Math.max(...points.map((p) => p.v), 0);
  const vMin = Math.min(...points.map((p) => p.v), 0);
  const top = vMax > vMin ? vMax + (vMax - vMin) * 0.05 : vMin + 1;
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - ((v - vMin) / (top - vMin)) * (H - PAD.top - PAD.bottom);
  const d = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`).join(" ");
  const area = `${d} L${x(points.at(-1)!.t).toFixed(1)} ${y(vMin).toFixed(1)} L${x(t0).toFixed(1)} ${
    y(vMin).toFixed(1)
  } Z`;
  const yTicks = ticks(vMin, top);
  const xTicks = [t0, t0 + (t1 - t0) / 2, t1];
  const last = points.at(-1)!;
  return (
    <figure class={`chart chart-${props.tone}`} data-chart={props.id} data-points={points.length}>
      <figcaption id={titleId}>
        {props.title}: <strong>{last.v.toFixed(3)} {props.unit}</strong> at {clock(last.t)} UTC{" "}
        {props.note && <span class="muted small">({props.note})</span>}
      </figcaption>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={titleId}
        preserveAspectRatio="xMidYMid meet"
      >
        <Axes xTicks={xTicks} yTicks={yTicks} x={x} y={y} unit={props.unit} />
        <path class="area" d={area} />
        <path class="series" d={d} />
        {points.map((p, i) => (
          <circle key={i} class="point" cx={x(p.t)} cy={y(p.v)} r={3}>
            <title>{clock(p.t)} UTC: {p.v.toFixed(3)} {props.unit}</title>
          </circle>
        ))}
      </svg>
      <details>
        <summary>Readings as a table</summary>
        <table class="table compact">
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">{props.unit}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p, i) => (
              <tr key={i}>
                <td>{clock(p.t)}</td>
                <td class="num">{p.v.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

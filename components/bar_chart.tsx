/**
 * Energy per day as SVG bars, drawn on the server (no script): one bar per day, the value written above it, and
 * the same numbers as a table for screen readers and copying.
 */
import { ticks } from "./chart.tsx";
import { formatEnergy } from "./format.ts";

export interface DayEnergy {
  /** `2026-11-25` */
  day: string;
  wh: number;
}

const W = 720;
const H = 220;
const PAD = { left: 52, right: 8, top: 18, bottom: 30 };

export function DailyEnergyChart(props: { id: string; title: string; days: DayEnergy[]; note?: string }) {
  const { days } = props;
  const titleId = `${props.id}-title`;
  const kwh = days.map((d) => d.wh / 1000);
  const peak = Math.max(...kwh, 0);
  // Without energy the axis still reads 0 to 1 kWh, not a thousandth of one.
  const top = peak > 0 ? peak * 1.1 : 1;
  const yTicks = ticks(0, top);
  const slot = (W - PAD.left - PAD.right) / Math.max(days.length, 1);
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const total = days.reduce((sum, d) => sum + d.wh, 0);
  return (
    <figure class="chart chart-energy bars" data-chart={props.id} data-days={days.length}>
      <figcaption id={titleId}>
        {props.title}: <strong>{formatEnergy(total)}</strong> in {days.length} days{" "}
        {props.note && <span class="muted small">({props.note})</span>}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId} preserveAspectRatio="xMidYMid meet">
        {yTicks.map((v) => (
          <g key={`y${v}`} class="grid">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
            <text x={PAD.left - 6} y={y(v) + 4} text-anchor="end">{v}</text>
          </g>
        ))}
        <text class="axis" x={8} y={PAD.top - 6}>kWh</text>
        {days.map((d, i) => {
          const x = PAD.left + i * slot + slot * 0.15;
          const v = d.wh / 1000;
          return (
            <g key={d.day} data-day={d.day} data-wh={Math.round(d.wh)}>
              <rect class="bar" x={x} y={y(v)} width={slot * 0.7} height={Math.max(0, y(0) - y(v))}>
                <title>{d.day}: {formatEnergy(d.wh)}</title>
              </rect>
              {(i % Math.ceil(days.length / 8) === 0 || i === days.length - 1) && (
                <text class="axis" x={x + slot * 0.35} y={H - 10} text-anchor="middle">{d.day.slice(5)}</text>
              )}
            </g>
          );
        })}
      </svg>
      <details>
        <summary>Energy per day as a table</summary>
        <table class="table compact">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Energy</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <td>{d.day}</td>
                <td class="num">{formatEnergy(d.wh)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** The last `count` UTC days up to `now`'s, oldest first, with the energy of `sessions` by their start day. */
export function energyPerDay(
  sessions: readonly { startTimestamp: string; wh: number }[],
  now: Date,
  count: number,
): DayEnergy[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const days: DayEnergy[] = [];
  for (let i = count - 1; i >= 0; i--) {
    days.push({ day: new Date(today - i * 86_400_000).toISOString().slice(0, 10), wh: 0 });
  }
  const byDay = new Map(days.map((d) => [d.day, d]));
  for (const s of sessions) {
    const day = byDay.get(s.startTimestamp.slice(0, 10));
    if (day) day.wh += Math.max(0, s.wh);
  }
  return days;
}

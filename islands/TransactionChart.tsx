/**
 * A transaction's energy and power over time; while it runs it follows its station's meter values live,
 * asking only for the values received since the last ones it has (islands/live_meter_values.ts, read once
 * for the page), and its delivered energy, duration and meter facts (start, last reading, stop, why it stopped)
 * follow. The readings stay drawable however long it
 * follows (`boundReadings`: thinned again past twice `MAX_CHART_POINTS`); the count of energy readings shown
 * is the session's, not the points drawn.
 */
import { useMemo, useState } from "preact/hooks";
import { LineChart } from "../components/chart.tsx";
import { formatDuration } from "../components/duration.ts";
import { useServerNow } from "./server_clock.ts";
import { formatEnergy } from "../components/format.ts";
import { Time, TzLabel } from "../components/time.tsx";
import { ImplausibleEnergyFlag } from "../components/transaction_status.tsx";
import type { StationEvent, Transaction } from "../components/types.ts";
import { runningImplausibleEnergy } from "../model/energy_plausibility.ts";
import { boundReadings } from "../overview/chart_readings.ts";
import type { LiveCursor } from "../overview/live_cursor.ts";
import { mergeReadings, type Readings, readingsOf, seriesOf } from "../overview/meter_series.ts";
import { LiveDot, useEvents } from "./client.tsx";
import { useLiveMeterValues } from "./live_meter_values.ts";
import { useTransactionAtOpen } from "./transaction_at_open.ts";

export interface TransactionChartProps {
  transaction: Transaction;
  /** Energy register and power per timestamp, so far, thinned for drawing. */
  readings: Readings;
  /** How many energy readings the session has so far (before thinning). */
  energyReadings: number;
  /** The newest receivedAt of the values behind `readings` (new ones are asked for since then), and those of it. */
  cursor: LiveCursor;
  /** When the page was made (the duration counts from it until the browser's clock takes over). */
  generatedAt: string;
}

export default function TransactionChart(props: TransactionChartProps) {
  const [tx, setTx] = useState(props.transaction);
  const [{ readings, energyReadings }, setChart] = useState({
    readings: props.readings,
    energyReadings: props.energyReadings,
  });
  const running = tx.status === "active";

  // A running session's duration, counted to the server's clock, not the browser's (server_clock.ts).
  const nowMs = useServerNow(props.generatedAt, { everyMs: 1000, ticking: running });

  // New values, read once for the page (live_meter_values.ts): merged, the points thinning left out stay out,
  // and none is counted twice.
  useLiveMeterValues(tx, props.cursor, (fresh) => {
    setChart((chart) => {
      const merged = mergeReadings(chart.readings, readingsOf(fresh));
      // Times new to the chart (a time it has already, a frame's other phases, is not a new reading).
      const added = merged.energy.length - chart.readings.energy.length;
      return { readings: boundReadings(merged), energyReadings: chart.energyReadings + added };
    });
  });

  // At each stream open, read once for the page (transaction_at_open.ts): a session that stopped while the
  // stream was down comes with its whole row, so its page does not show it running.
  useTransactionAtOpen(tx, ({ transaction }) => {
    if (transaction) setTx((current) => (current.status === "active" ? transaction : current));
  });

  const live = useEvents(`chargePointId=${encodeURIComponent(tx.chargePointId)}`, (event: StationEvent) => {
    if (event.type === "transaction" && event.transaction.transactionId === tx.transactionId) {
      setTx(event.transaction);
    }
  });

  // A running session is judged by its readings so far, as the transactions list judges it
  // (`runningImplausibleEnergy`): a register that leapt is not energy delivered.
  const newest = readings.energy.at(-1);
  // (A start reading unknown: what was delivered is the server's to say.)
  const runningWhy = running && !tx.energyImplausible && !tx.meterStartUnknown && newest
    ? runningImplausibleEnergy(
      {
        meterStart: tx.meterStart,
        meterStop: tx.meterStop,
        startTimestamp: tx.startTimestamp,
        stopTimestamp: tx.stopTimestamp,
        createdAt: tx.createdAt,
        stoppedAt: tx.stoppedAt,
      },
      newest.v - tx.meterStart,
      nowMs,
    )
    : null;
  const why = tx.energyImplausible ?? runningWhy ?? undefined;
  // Implausible readings: the chart shows the meter's register as sent, not a difference claimed as delivered.
  const implausible = why !== undefined;
  const base = implausible ? 0 : tx.meterStart;
  const series = useMemo(() => seriesOf(readings, base), [readings, base]);
  // Implausible readings: the energy is unknown, never the chart's last reading.
  const delivered = implausible
    ? null
    : tx.energyWh ?? (series.energy.length ? series.energy.at(-1)!.v * 1000 : null);
  const end = tx.stopTimestamp ? Date.parse(tx.stopTimestamp) : running ? nowMs : null;

  return (
    <section class="card" aria-labelledby="tx-chart-title">
      <div class="card-head">
        <h2 id="tx-chart-title">Energy and power</h2>
        {running && <LiveDot live={live} />}
      </div>
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd data-tx-status={tx.status}>{tx.status}</dd>
        </div>
        <div>
          <dt>Delivered{running ? " so far" : ""}</dt>
          <dd data-delivered>
            {formatEnergy(delivered)} <ImplausibleEnergyFlag implausible={why} />
          </dd>
        </div>
        <div>
          <dt>Duration{running ? " so far" : ""}</dt>
          <dd data-duration>{end === null ? "—" : formatDuration(end - Date.parse(tx.startTimestamp))}</dd>
        </div>
        <div>
          <dt>
            Started (<TzLabel />)
          </dt>
          <dd>
            <Time iso={tx.startTimestamp} />
          </dd>
        </div>
        <div>
          <dt>
            Stopped (<TzLabel />)
          </dt>
          <dd>
            <Time iso={tx.stopTimestamp} />
          </dd>
        </div>
        <div>
          <dt>Meter start / last / stop</dt>
          <dd
            data-meter
            data-meter-last={newest ? String(newest.v) : ""}
            data-meter-stop={tx.meterStop === null ? "" : String(tx.meterStop)}
          >
            {tx.meterStart} Wh / {newest
              ? (
                <>
                  {newest.v} Wh at <Time iso={new Date(newest.t).toISOString()} />
                </>
              )
              : "—"} / {tx.meterStop === null ? "—" : `${tx.meterStop} Wh`}
          </dd>
        </div>
        <div>
          <dt>Stop reason</dt>
          <dd data-stop-reason>
            {tx.stopReason ?? (tx.status === "finished" ? "Local (not given)" : "—")}
            {tx.stopIdTag && <span class="muted">{` by ${tx.stopIdTag}`}</span>}
          </dd>
        </div>
        <div>
          <dt>Energy readings</dt>
          <dd data-readings={energyReadings}>{energyReadings.toLocaleString("en")}</dd>
        </div>
      </dl>
      <div class="charts">
        <LineChart
          id="energy"
          title={implausible ? "Meter register (implausible)" : "Energy delivered"}
          unit="kWh"
          points={series.energy}
          tone="energy"
        />
        <LineChart
          id="power"
          title="Power"
          unit="kW"
          points={series.power}
          tone="power"
          {...(series.powerMeasured ? {} : { note: "derived from the energy register" })}
        />
      </div>
    </section>
  );
}

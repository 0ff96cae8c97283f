/**
 * A transaction's energy and power over time; while it runs it follows its station's meter values live,
 * asking only for the values received since the last ones it has (`GET …/meter-values?since=`, every page
 * of them), and its delivered energy and duration count up. The readings stay drawable however long it
 * follows (`boundReadings`: thinned again past twice `MAX_CHART_POINTS`); the count of energy readings shown
 * is the session's, not the points drawn.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { LineChart } from "../components/chart.tsx";
import { formatDuration } from "../components/duration.ts";
import { formatEnergy } from "../components/format.ts";
import { Time, TzLabel } from "../components/time.tsx";
import { ImplausibleEnergyFlag } from "../components/transaction_status.tsx";
import type { MeterValue, StationEvent, Transaction } from "../components/types.ts";
import { boundReadings } from "../overview/chart_readings.ts";
import { mergeReadings, type Readings, readingsOf, seriesOf } from "../overview/meter_series.ts";
import { apiFetch, LiveDot, useEvents } from "./client.tsx";

export interface TransactionChartProps {
  transaction: Transaction;
  /** Energy register and power per timestamp, so far, thinned for drawing. */
  readings: Readings;
  /** How many energy readings the session has so far (before thinning). */
  energyReadings: number;
  /** The newest receivedAt of the values behind `readings`: new ones are asked for since then. */
  cursor: string | null;
  /** When the page was made (the duration counts from it until the browser's clock takes over). */
  generatedAt: string;
}

export default function TransactionChart(props: TransactionChartProps) {
  const [tx, setTx] = useState(props.transaction);
  const [{ readings, energyReadings }, setChart] = useState({
    readings: props.readings,
    energyReadings: props.energyReadings,
  });
  const [nowMs, setNowMs] = useState(Date.parse(props.generatedAt));
  const cursor = useRef(props.cursor);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const running = tx.status === "active";

  useEffect(() => {
    if (!running) return;
    setNowMs(Date.now());
    const tick = setInterval(() => setNowMs(Date.now()), 1000);
    return () => clearInterval(tick);
  }, [running]);

  const fetchNew = () => {
    if (timer.current !== null) return;
    timer.current = setTimeout(async () => {
      timer.current = null;
      try {
        // Every page of what arrived since, then the largest cursor (a backlog may span several pages).
        const since = cursor.current;
        let after: string | null = null;
        let newest = since;
        const items: MeterValue[] = [];
        do {
          const query = new URLSearchParams();
          if (since) query.set("since", since);
          if (after) query.set("after", after);
          const q = query.size > 0 ? `?${query}` : "";
          const fresh: { items: MeterValue[]; cursor: string | null; nextCursor?: string | null } =
            await apiFetch(`/api/v1/transactions/${tx.transactionId}/meter-values${q}`);
          items.push(...fresh.items);
          if (fresh.cursor !== null && (newest === null || fresh.cursor > newest)) newest = fresh.cursor;
          after = fresh.nextCursor ?? null;
        } while (after !== null);
        cursor.current = newest;
        if (items.length > 0) {
          setChart((chart) => {
            // `since` is inclusive (a frame received in the same millisecond as the last one is not missed),
            // so the last frame seen comes again: its values are drawn and counted already, and merged again
            // they would bring back the points thinning left out. Only those newer than the chart's end are
            // taken from it.
            const end = Math.max(
              chart.readings.energy.at(-1)?.t ?? -Infinity,
              chart.readings.power.at(-1)?.t ?? -Infinity,
            );
            const fresh = items.filter((r) =>
              since === null || r.receivedAt > since || Date.parse(r.timestamp) > end
            );
            const merged = mergeReadings(chart.readings, readingsOf(fresh));
            // Times new to the chart (a time it has already, a frame's other phases, is not a new reading).
            const added = merged.energy.length - chart.readings.energy.length;
            return { readings: boundReadings(merged), energyReadings: chart.energyReadings + added };
          });
        }
      } catch {
        // Shown as it was; the next event tries again.
      }
    }, 200);
  };

  const live = useEvents(`chargePointId=${encodeURIComponent(tx.chargePointId)}`, (event: StationEvent) => {
    if (event.type === "meterValues" && event.transactionId === tx.transactionId) fetchNew();
    if (event.type === "transaction" && event.transaction.transactionId === tx.transactionId) {
      setTx(event.transaction);
      fetchNew();
    }
  }, fetchNew);

  // Implausible readings: the chart shows the meter's register as sent, not a difference claimed as delivered.
  const implausible = tx.energyImplausible !== undefined;
  const base = implausible ? 0 : tx.meterStart;
  const series = useMemo(() => seriesOf(readings, base), [readings, base]);
  // Implausible readings (`energyImplausible`): the energy is unknown, never the chart's last reading.
  const delivered = tx.energyImplausible
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
            {formatEnergy(delivered)} <ImplausibleEnergyFlag implausible={tx.energyImplausible} />
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
            {tx.stopReason ? ` (${tx.stopReason})` : ""}
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

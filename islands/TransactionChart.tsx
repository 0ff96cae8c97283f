/**
 * A transaction's energy and power over time; while the transaction is active it follows its station's
 * meter values live.
 */
import { Time, TzLabel } from "../components/time.tsx";
import { useMemo, useRef, useState } from "preact/hooks";
import { LineChart } from "../components/chart.tsx";
import { meterSeries } from "../overview/meter_series.ts";
import { formatEnergy } from "../components/format.ts";
import type { MeterValue, StationEvent, Transaction } from "../components/types.ts";
import { apiFetch, LiveDot, useEvents } from "./client.tsx";

export interface TransactionChartProps {
  transaction: Transaction;
  meterValues: MeterValue[];
}

export default function TransactionChart(props: TransactionChartProps) {
  const [tx, setTx] = useState(props.transaction);
  const [rows, setRows] = useState(props.meterValues);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const reload = () => {
    if (timer.current !== null) return;
    timer.current = setTimeout(async () => {
      timer.current = null;
      try {
        const fresh = await apiFetch<Transaction & { meterValues: MeterValue[] }>(
          `/api/v1/transactions/${tx.transactionId}`,
        );
        const { meterValues, ...rest } = fresh;
        setTx(rest);
        setRows(meterValues);
      } catch {
        // Shown as it was; the next event tries again.
      }
    }, 200);
  };

  const live = useEvents(`chargePointId=${encodeURIComponent(tx.chargePointId)}`, (event: StationEvent) => {
    if (event.type === "meterValues" && event.transactionId === tx.transactionId) reload();
    if (event.type === "transaction" && event.transaction.transactionId === tx.transactionId) reload();
  }, reload);

  const series = useMemo(() => meterSeries(rows, tx.meterStart), [rows, tx.meterStart]);
  const delivered = tx.energyWh ?? (series.energy.length ? series.energy.at(-1)!.v * 1000 : null);

  return (
    <section class="card" aria-labelledby="tx-chart-title">
      <div class="card-head">
        <h2 id="tx-chart-title">Energy and power</h2>
        {tx.status === "active" && <LiveDot live={live} />}
      </div>
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd data-tx-status={tx.status}>{tx.status}</dd>
        </div>
        <div>
          <dt>Delivered</dt>
          <dd>{formatEnergy(delivered)}</dd>
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
          <dt>Meter values</dt>
          <dd>{rows.length}</dd>
        </div>
      </dl>
      <div class="charts">
        <LineChart id="energy" title="Energy delivered" unit="kWh" points={series.energy} tone="energy" />
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

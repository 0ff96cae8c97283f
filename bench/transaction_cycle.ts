/**
 * One transaction cycle as the store probes (`kv_commit_cost.ts`, `pg_tx_cost.ts`) write it: Start, then
 * `meterValues` MeterValues of four sampled values a minute apart, then Stop, straight through the store
 * (no WebSocket). The same writes for every probe, so their figures compare.
 */
import type { CommitStore, TransactionStore } from "../store/mod.ts";
import { meterRows } from "./meter_rows.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs the cycle from time `t0` (ms) and meter `meter` (Wh); returns the meter at its Stop. */
export async function transactionCycle(
  store: CommitStore & Pick<TransactionStore, "startTransaction" | "stopTransaction">,
  chargePointId: string,
  t0: number,
  meter: number,
  meterValues: number,
): Promise<number> {
  const start = await store.startTransaction({
    chargePointId,
    connectorId: 1,
    idTag: "BENCH-TAG",
    idTagStatus: "Accepted",
    meterStart: meter,
    timestamp: iso(t0),
    reservationId: null,
    receivedAt: iso(t0 + 5),
  });
  const transactionId = start.transaction.transactionId;
  for (let k = 1; k <= meterValues; k++) {
    meter += 37;
    const at = iso(t0 + k * 60_000);
    await store.commit({
      chargePointId,
      lastSeen: at,
      meterValues: meterRows(chargePointId, transactionId, at, meter),
    });
  }
  await store.stopTransaction({
    chargePointId,
    transactionId,
    idTag: "BENCH-TAG",
    idTagStatus: "Accepted",
    meterStop: meter,
    timestamp: iso(t0 + 300_000),
    reason: "Local",
    transactionData: null,
    receivedAt: iso(t0 + 300_005),
  });
  return meter;
}

/**
 * What a running session delivered so far: its newest energy register reading minus its start. Read from the
 * station's newest meter values (one small query); only when those do not reach back to a register reading of
 * the session are the session's own newest values read, at most `SESSION_ROWS` of them (it read every value
 * of the session before: 40,000 for a long one, on every refresh of the dashboard). A session whose start
 * reading is unknown (OCPP 2.0.1, `meterStartUnknown`) starts at its first register reading, read from its
 * oldest values the same way.
 */
import type { TransactionRecord } from "../model/transaction.ts";
import type { MeterValueStore } from "../store/mod.ts";
import { type MeterRow, readingsOf } from "./meter_series.ts";

/** How many of a station's newest meter values are looked at first. */
const RECENT_ROWS = 200;

/**
 * The most of a session's own values read from either end: a station reporting its register reports it every
 * few values, so none among 2,000 means none to show (the energy is 0, as with none at all).
 */
export const SESSION_ROWS = 2000;

type Reads = Pick<
  MeterValueStore,
  "listMeterValuesByChargePoint" | "listRecentMeterValuesByTransaction" | "pageMeterValuesByTransaction"
>;

export async function sessionEnergyWh(
  store: Reads,
  tx: Pick<TransactionRecord, "transactionId" | "chargePointId" | "meterStart" | "meterStartUnknown">,
): Promise<number> {
  const recent = await store.listMeterValuesByChargePoint(tx.chargePointId, RECENT_ROWS);
  let newest = registerReadings(recent, tx.transactionId, RECENT_ROWS).at(-1) ?? null;
  if (newest === null && recent.length >= RECENT_ROWS) {
    const own = await store.listRecentMeterValuesByTransaction(tx.transactionId, SESSION_ROWS);
    newest = registerReadings(own, tx.transactionId, SESSION_ROWS).at(-1) ?? null;
  }
  if (newest === null) return 0;
  let start: number | null = tx.meterStart;
  if (tx.meterStartUnknown) {
    const first = await store.pageMeterValuesByTransaction(tx.transactionId, { limit: SESSION_ROWS });
    start =
      registerReadings(first.items, tx.transactionId, first.next === null ? Infinity : SESSION_ROWS)[0] ??
        null;
  }
  return start === null ? 0 : Math.max(0, newest - start);
}

/**
 * The session's register readings (Wh) among `rows`, oldest first. Rows read up to `limit` may end within a
 * time (a frame's phases, summed to one reading, cut): a read that filled its limit keeps only whole times,
 * those other than the one it ended on, unless that is the only one.
 */
function registerReadings(rows: readonly MeterRow[], transactionId: number, limit: number): number[] {
  const own = rows.filter((r) => r.transactionId === transactionId);
  const cut = rows.length >= limit ? rows.at(-1)?.timestamp : undefined;
  const whole = cut === undefined || own.every((r) => r.timestamp === cut)
    ? own
    : own.filter((r) => r.timestamp !== cut);
  return readingsOf(whole).energy.map((p) => p.v);
}

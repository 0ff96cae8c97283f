/**
 * What a running session delivered so far: its newest energy register reading minus meterStart. Read from the
 * station's newest meter values (one small query); only when those do not reach back to a register reading of
 * the session are all of the session's values read.
 */
import type { TransactionRecord } from "../model/transaction.ts";
import type { MeterValueStore } from "../store/mod.ts";
import { latestRegisterWh } from "./meter_series.ts";

/** How many of a station's newest meter values are looked at first. */
const RECENT_ROWS = 200;

export async function sessionEnergyWh(
  store: Pick<MeterValueStore, "listMeterValuesByChargePoint" | "listMeterValuesByTransaction">,
  tx: Pick<TransactionRecord, "transactionId" | "chargePointId" | "meterStart">,
): Promise<number> {
  const recent = await store.listMeterValuesByChargePoint(tx.chargePointId, RECENT_ROWS);
  let register = latestRegisterWh(recent, tx.transactionId);
  if (register === null && recent.length >= RECENT_ROWS) {
    register = latestRegisterWh(await store.listMeterValuesByTransaction(tx.transactionId), tx.transactionId);
  }
  return register === null ? 0 : Math.max(0, register - tx.meterStart);
}

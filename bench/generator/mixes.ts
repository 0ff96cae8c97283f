/**
 * The message mixes a simulated station sends once it is connected, one CALL at a time (OCPP-J 1.6 §4.1.1):
 *
 * - `plain`: Heartbeat and MeterValues (outside a transaction) alternating: the issue-19 saturation mix.
 * - `heartbeat`: Heartbeat alone: what the transport and the actor shell cost with (almost) no store write.
 * - `transaction`: Authorize, StartTransaction, 3 MeterValues within it, StopTransaction, again and again.
 * - `steady`: the long-running load of `deno task bench`: a 10-step cycle of 6 MeterValues within the
 *   transaction the ramp opened, 2 Heartbeat and 2 StatusNotification (Charging <-> SuspendedEV, both legal
 *   transitions of OCPP 1.6 §4.9, so the server logs no anomaly).
 *
 * `nextCall()` says what a station sends next and advances it; `callAnswered()` applies the answer.
 */
import {
  authorize,
  type ConnectorStatus,
  heartbeat,
  meterValues,
  startTransaction,
  type StationAction,
  statusNotification,
  stopTransaction,
} from "./frames.ts";

export type Mix = "plain" | "heartbeat" | "transaction" | "steady";
export const MIXES: readonly Mix[] = ["plain", "heartbeat", "transaction", "steady"];

export interface StationState {
  /** Position in the mix; stations start spread over it so that any instant sends the same mix. */
  step: number;
  energyWh: number;
  /** The station's open transaction, if any. */
  transactionId: number | null;
  status: "Charging" | "SuspendedEV";
}

export interface Call {
  action: StationAction;
  payload: unknown;
}

const STEPS: Record<Mix, readonly StationAction[]> = {
  plain: ["Heartbeat", "MeterValues"],
  heartbeat: ["Heartbeat"],
  transaction: [
    "Authorize",
    "StartTransaction",
    "MeterValues",
    "MeterValues",
    "MeterValues",
    "StopTransaction",
  ],
  steady: [
    "MeterValues",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
    "MeterValues",
    "MeterValues",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
    "MeterValues",
  ],
};

/** Energy added between two samples (Wh): about 7 kW over a few seconds. */
const WH_PER_SAMPLE = 37;

export function newStation(index: number): StationState {
  return { step: index, energyWh: 1000 + index, transactionId: null, status: "Charging" };
}

/** The next CALL of `station` in `mix`; advances the station. */
export function nextCall(mix: Mix, station: StationState, idTag: string, now = new Date()): Call {
  const steps = STEPS[mix];
  let action = steps[station.step % steps.length]!;
  // A transaction loop whose StartTransaction failed (or that never started) begins again with Authorize.
  const needsTransaction = action === "MeterValues" || action === "StopTransaction";
  if (mix === "transaction" && station.transactionId === null && needsTransaction) {
    station.step = 0;
    action = "Authorize";
  }
  station.step++;
  switch (action) {
    case "Heartbeat":
      return { action, payload: heartbeat() };
    case "MeterValues":
      station.energyWh += WH_PER_SAMPLE;
      return {
        action,
        payload: meterValues(station.energyWh, mix === "plain" ? null : station.transactionId, now),
      };
    case "StatusNotification": {
      station.status = station.status === "Charging" ? "SuspendedEV" : "Charging";
      return { action, payload: statusNotification(station.status as ConnectorStatus, now) };
    }
    case "Authorize":
      return { action, payload: authorize(idTag) };
    case "StartTransaction":
      return { action, payload: startTransaction(idTag, station.energyWh, now) };
    case "StopTransaction":
      return { action, payload: stopTransaction(station.transactionId!, idTag, station.energyWh, now) };
    default:
      throw new Error(`The "${mix}" mix has no "${action}" step`);
  }
}

/** Applies the answer to a CALL (`null` when it failed: CALLERROR, timeout or close). */
export function callAnswered(station: StationState, action: StationAction, result: unknown): void {
  if (action === "StartTransaction") {
    const id = (result as { transactionId?: unknown } | null)?.transactionId;
    station.transactionId = typeof id === "number" ? id : null;
  } else if (action === "StopTransaction") {
    // Stopped or not, the station does not send for it again (a real one would queue and retry it).
    station.transactionId = null;
  }
}

/**
 * A raw OCPP 1.6 station that sends its CALLs again until they are answered, as a station's transaction
 * queue does (OCPP 1.6 §4.10: transaction-related messages are retried): a CALLERROR InternalError (the
 * server could not store it) is sent again with the same data. Drives the sessions of the durability tests
 * and remembers what was answered.
 */
import { assertLess } from "@std/assert";
import type { Store } from "../../store/mod.ts";
import { openRaw, type RawSocket } from "./station.ts";

/** What a station got answered, per session, for the durability checks. */
export interface AnsweredSession {
  chargePointId: string;
  transactionId: number;
  meterStart: number;
  meterStop: number;
  startedAt: string;
  stoppedAt: string;
  meterValues: { timestamp: string; value: string }[];
}

export class RetryingStation {
  #next = 0;
  /** CALLERRORs answered InternalError (each sent again). */
  internalErrors = 0;
  /** The longest wait for one reply, in ms. */
  slowestReplyMs = 0;
  /** The CALL that waited `slowestReplyMs`, and its answer. */
  slowestCall = "";
  readonly sessions: AnsweredSession[] = [];
  /** How long the station waits before it sends a CALL answered InternalError again. */
  retryPauseMs = 20;

  private constructor(readonly id: string, readonly raw: RawSocket) {}

  static async open(wsUrl: string, id: string): Promise<RetryingStation> {
    const station = new RetryingStation(id, await openRaw(`${wsUrl}/${id}`));
    const boot = await station.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
    if (boot.status !== "Accepted") throw new Error(`Boot of ${id} answered ${JSON.stringify(boot)}`);
    return station;
  }

  /** Sends `action` until a CALLRESULT comes; any other CALLERROR than InternalError throws. */
  async call(action: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    for (;;) {
      const id = `${this.id}-${this.#next++}`;
      const sent = performance.now();
      this.raw.send(JSON.stringify([2, id, action, payload]));
      const frame = await this.raw.next(30_000) as unknown[];
      const took = performance.now() - sent;
      if (took > this.slowestReplyMs) {
        this.slowestReplyMs = took;
        this.slowestCall = `${action} answered ${JSON.stringify(frame).slice(0, 120)}`;
      }
      if (frame[1] !== id) throw new Error(`${this.id} got ${JSON.stringify(frame)} for ${id}`);
      if (frame[0] === 3) return frame[2] as Record<string, unknown>;
      if (frame[0] !== 4 || frame[2] !== "InternalError") {
        throw new Error(`${this.id} got ${JSON.stringify(frame)} for ${action}`);
      }
      this.internalErrors++;
      await new Promise((r) => setTimeout(r, this.retryPauseMs));
    }
  }

  /** One session: Preparing, StartTransaction, Charging, `readings` MeterValues, StopTransaction, Available. */
  async session(clock: () => string, meterStart: number, readings: number): Promise<number> {
    const status = (status: string) =>
      this.call("StatusNotification", { connectorId: 1, status, errorCode: "NoError", timestamp: clock() });
    await status("Preparing");
    const startedAt = clock();
    const started = await this.call("StartTransaction", {
      connectorId: 1,
      idTag: "RETRY",
      meterStart,
      timestamp: startedAt,
    });
    const transactionId = started.transactionId as number;
    await status("Charging");
    const meterValues: AnsweredSession["meterValues"] = [];
    let meter = meterStart;
    for (let i = 0; i < readings; i++) {
      meter += 100;
      const timestamp = clock();
      const value = String(meter);
      await this.call("MeterValues", {
        connectorId: 1,
        transactionId,
        meterValue: [{ timestamp, sampledValue: [{ value, measurand: "Energy.Active.Import.Register" }] }],
      });
      meterValues.push({ timestamp, value });
    }
    const stoppedAt = clock();
    await this.call("StopTransaction", { transactionId, meterStop: meter, timestamp: stoppedAt });
    await status("Available");
    this.sessions.push({
      chargePointId: this.id,
      transactionId,
      meterStart,
      meterStop: meter,
      startedAt,
      stoppedAt,
      meterValues,
    });
    return meter;
  }
}

/**
 * Runs sessions on every station, one after another, until `stopped()` says so: station `i`'s clock starts
 * `i` days after `t0` and ticks a second a message, so no two stations' timestamps meet.
 */
export function driveSessions(
  stations: readonly RetryingStation[],
  t0: number,
  readings: number,
  stopped: () => boolean,
): Promise<void> {
  return Promise.all(stations.map(async (s, i) => {
    let second = 0;
    const clock = () => new Date(t0 + i * 86_400_000 + second++ * 1000).toISOString();
    let meter = 0;
    while (!stopped()) meter = await s.session(clock, meter, readings);
  })).then(() => {});
}

/** Fails, naming the CALL, when any station waited `limitMs` or more for one reply. */
export function assertRepliedWithin(stations: readonly RetryingStation[], limitMs: number): void {
  const slowest = stations.reduce((a, s) => (s.slowestReplyMs > a.slowestReplyMs ? s : a));
  assertLess(
    slowest.slowestReplyMs,
    limitMs,
    `the slowest reply took ${Math.round(slowest.slowestReplyMs)} ms: ${slowest.slowestCall}`,
  );
}

/** What the store holds that differs from the answered sessions, one line each. */
export async function differencesFrom(store: Store, sessions: AnsweredSession[]): Promise<string[]> {
  const out: string[] = [];
  const byStation = Map.groupBy(sessions, (s) => s.chargePointId);
  for (const [id, answered] of byStation) {
    const stored = await store.listTransactions({ chargePointId: id, limit: 1000 });
    const ids = stored.map((t) => t.transactionId).sort((a, b) => a - b);
    const expected = answered.map((s) => s.transactionId).sort((a, b) => a - b);
    if (JSON.stringify(ids) !== JSON.stringify(expected)) {
      out.push(`${id}: transactions ${JSON.stringify(ids)}, answered ${JSON.stringify(expected)}`);
    }
    for (const s of answered) {
      const tx = stored.find((t) => t.transactionId === s.transactionId);
      const seen = [
        tx?.status,
        tx?.meterStart,
        tx?.meterStop,
        tx?.startTimestamp,
        tx?.stopTimestamp,
        tx?.energyWh,
      ];
      const want = [
        "finished",
        s.meterStart,
        s.meterStop,
        s.startedAt,
        s.stoppedAt,
        s.meterStop - s.meterStart,
      ];
      if (JSON.stringify(seen) !== JSON.stringify(want)) {
        out.push(
          `${id}: transaction ${s.transactionId} stored as ${JSON.stringify(seen)}, want ${
            JSON.stringify(want)
          }`,
        );
      }
      const values = (await store.listMeterValuesByTransaction(s.transactionId)).map((v) =>
        `${v.timestamp} ${v.value}`
      );
      const wanted = s.meterValues.map((v) => `${v.timestamp} ${v.value}`);
      if (JSON.stringify(values) !== JSON.stringify(wanted)) {
        out.push(
          `${id}: meter values of ${s.transactionId}: ${values.length} stored, ${wanted.length} answered`,
        );
      }
    }
  }
  return out;
}

/**
 * One load-generator process: opens N simulated stations (Deno's native WebSocket client, subprotocol
 * `ocpp1.6`) against one server, then drives a steady mix of CP->CS CALLs and answers the server's CALLs.
 * Started by `bench/mod.ts`; it talks to the parent in JSON lines (stdout out, stdin in):
 *
 *   -> {"type":"progress",...} every second while ramping, then {"type":"ready",...}
 *   <- {"cmd":"steady","durationS":60,"intervalS":30}
 *   -> {"type":"report",...} after the steady phase (and a short drain)
 *   <- {"cmd":"exit"}
 *
 * Ramp, per station: open -> BootNotification -> StatusNotification(Preparing) -> StartTransaction ->
 * StatusNotification(Charging). Steady, per station and on average every `intervalS` seconds, the next message
 * of a fixed 10-step cycle: 6 MeterValues (within the transaction), 2 Heartbeat, 2 StatusNotification
 * (Charging <-> SuspendedEV, both legal transitions of OCPP 1.6 §4.9, so the server logs no anomaly).
 *
 * Like the server, the generator has no timer per station: one 50 ms tick walks the stations round-robin, and
 * one sweep expires unanswered CALLs. One CALL in flight per station (OCPP-J 1.6 §4.1.1): a station whose
 * previous CALL is still unanswered when its turn comes is counted as `busySkips`, not queued.
 *
 * Standalone: `deno run -A bench/load_generator.ts '{"url":"ws://127.0.0.1:3001/ocpp","prefix":"BENCH-","stations":10}'`
 */
import { Histogram } from "./histogram.ts";

export interface GeneratorConfig {
  /** `ws://host:port/ocpp`; the station id is appended. */
  url: string;
  prefix: string;
  /** First station number (ids are `${prefix}${first + i}`). */
  first?: number;
  stations: number;
  /** Stations ramping at once (open + boot + start transaction). */
  concurrency?: number;
  idTag?: string;
  callTimeoutMs?: number;
  /** Stop starting new stations after this many ms of ramp; the rest count as `notAttempted`. */
  rampDeadlineMs?: number;
}

type Json = unknown;
type Action = "BootNotification" | "StatusNotification" | "StartTransaction" | "Heartbeat" | "MeterValues";

interface Pending {
  messageId: string;
  action: Action;
  sentAt: number;
  resolve: (payload: Json) => void;
  reject: (error: Error) => void;
}

interface Station {
  id: string;
  ws: WebSocket | null;
  ready: boolean;
  /** We gave up on it during the ramp and closed it ourselves. */
  abandoned: boolean;
  pending: Pending | null;
  transactionId: number | null;
  status: "Charging" | "SuspendedEV";
  step: number;
  energyWh: number;
}

const CYCLE: readonly Action[] = [
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
];

/** TransactionMessageAttempts of the simulated stations. */
const START_ATTEMPTS = 5;

/** What a simulated station answers the server's CALLs with (valid OCPP 1.6 .conf payloads). */
const ANSWERS: Record<string, Json> = {
  GetConfiguration: {
    configurationKey: [
      { key: "HeartbeatInterval", readonly: false, value: "300" },
      { key: "MeterValueSampleInterval", readonly: false, value: "60" },
    ],
    unknownKey: [],
  },
  GetLocalListVersion: { listVersion: 1 },
  GetDiagnostics: {},
  UpdateFirmware: {},
  GetCompositeSchedule: { status: "Rejected" },
  DataTransfer: { status: "UnknownVendorId" },
  UnlockConnector: { status: "Unlocked" },
  ClearChargingProfile: { status: "Accepted" },
};

class CallError extends Error {
  constructor(readonly code: string, description: string) {
    super(description);
  }
}

export class LoadGenerator {
  readonly stations: Station[];
  readonly all = new Histogram();
  readonly byAction = new Map<Action, Histogram>();
  #nextId = 0;
  #phase: "ramp" | "steady" | "done" = "ramp";
  counters = {
    opened: 0,
    ready: 0,
    failed: 0,
    sent: 0,
    replies: 0,
    timeouts: 0,
    busySkips: 0,
    unexpectedCloses: 0,
    serverCalls: 0,
    badFrames: 0,
    startRetries: 0,
    notAttempted: 0,
  };
  callErrors: Record<string, number> = {};
  rampErrors: Record<string, number> = {};
  #sentBeforeSteady = 0;
  readonly #timeoutMs: number;
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(readonly config: GeneratorConfig) {
    const first = config.first ?? 0;
    this.#timeoutMs = config.callTimeoutMs ?? 30_000;
    this.stations = Array.from({ length: config.stations }, (_, i) => ({
      id: `${config.prefix}${first + i}`,
      ws: null,
      ready: false,
      abandoned: false,
      pending: null,
      transactionId: null,
      status: "Charging",
      // Spread the cycle so that every tick sends the same mix.
      step: (first + i) % CYCLE.length,
      energyWh: 1000 + i,
    }));
    // The one timer that expires unanswered CALLs of every station.
    this.#sweep = setInterval(() => this.#expire(performance.now()), 500);
  }

  /** Opens and prepares every station, `concurrency` at a time. Resolves when all succeeded or failed. */
  async ramp(onProgress: () => void): Promise<number> {
    const started = performance.now();
    const progress = setInterval(onProgress, 1000);
    let next = 0;
    const deadline = started + (this.config.rampDeadlineMs ?? Infinity);
    const worker = async () => {
      while (next < this.stations.length && performance.now() < deadline) {
        const station = this.stations[next++]!;
        try {
          await this.#prepare(station);
          station.ready = true;
          this.counters.ready++;
        } catch (error) {
          this.counters.failed++;
          const key = String(error instanceof Error ? error.message : error).slice(0, 120);
          this.rampErrors[key] = (this.rampErrors[key] ?? 0) + 1;
          station.abandoned = true;
          station.ws?.close();
        }
      }
    };
    const concurrency = Math.max(1, Math.min(this.config.concurrency ?? 100, this.stations.length));
    await Promise.all(Array.from({ length: concurrency }, worker));
    clearInterval(progress);
    this.counters.notAttempted = this.stations.length - next;
    return performance.now() - started;
  }

  /** Sends the steady mix for `durationS`, then waits up to `drainMs` for the last answers. */
  async steady(durationS: number, intervalS: number, drainMs = 5000): Promise<number> {
    this.#phase = "steady";
    this.#sentBeforeSteady = this.counters.sent;
    const tickMs = 50;
    const perTick = this.stations.length * tickMs / (intervalS * 1000);
    let due = 0;
    let cursor = 0;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        if (performance.now() - started >= durationS * 1000) {
          clearInterval(tick);
          resolve();
          return;
        }
        due += perTick;
        while (due >= 1) {
          due--;
          const station = this.stations[cursor]!;
          cursor = (cursor + 1) % this.stations.length;
          if (!station.ready || !station.ws) continue;
          if (station.pending) {
            this.counters.busySkips++;
            continue;
          }
          this.#sendNext(station);
        }
      }, tickMs);
    });
    const steadyMs = performance.now() - started;
    const drainUntil = performance.now() + drainMs;
    while (performance.now() < drainUntil && this.stations.some((s) => s.pending)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    this.#phase = "done";
    return steadyMs;
  }

  report(): Json {
    const byAction: Record<string, Json> = {};
    for (const [action, h] of this.byAction) byAction[action] = h.toJSON();
    return {
      // `sent` counts the steady phase only; the ramp's CALLs are 4 per station plus startRetries.
      counters: { ...this.counters, sent: this.counters.sent - this.#sentBeforeSteady },
      unanswered: this.stations.filter((s) => s.pending).length,
      callErrors: this.callErrors,
      rampErrors: this.rampErrors,
      latency: { all: this.all.toJSON(), byAction },
    };
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const station of this.stations) {
      try {
        station.ws?.close(1000);
      } catch {
        // Already closed.
      }
    }
  }

  async #prepare(station: Station): Promise<void> {
    await this.#open(station);
    const boot = await this.#call(station, "BootNotification", {
      chargePointVendor: "BenchCo",
      chargePointModel: "Load-1",
      chargePointSerialNumber: station.id.slice(-25),
      firmwareVersion: "1.0.0",
    }) as { status: string };
    if (boot.status !== "Accepted") throw new Error(`BootNotification answered ${boot.status}`);
    await this.#call(station, "StatusNotification", this.#status("Preparing"));
    const request = {
      connectorId: 1,
      idTag: this.config.idTag ?? "BENCH-TAG",
      meterStart: station.energyWh,
      timestamp: new Date().toISOString(),
    };
    // A station retries a transaction message the Central System failed to process (OCPP 1.6 §4.8,
    // TransactionMessageAttempts / TransactionMessageRetryInterval); the retries are counted in rampErrors.
    for (let attempt = 1;; attempt++) {
      try {
        const start = await this.#call(station, "StartTransaction", request) as { transactionId: number };
        station.transactionId = start.transactionId;
        break;
      } catch (error) {
        if (!(error instanceof CallError) || attempt >= START_ATTEMPTS) throw error;
        const key = `${error.message.slice(0, 100)} (retried)`;
        this.rampErrors[key] = (this.rampErrors[key] ?? 0) + 1;
        this.counters.startRetries++;
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
      }
    }
    await this.#call(station, "StatusNotification", this.#status("Charging"));
  }

  #open(station: Station): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${this.config.url}/${encodeURIComponent(station.id)}`, "ocpp1.6");
      station.ws = ws;
      let opened = false;
      const timer = setTimeout(() => {
        if (!opened) {
          reject(new Error("Connect timed out"));
          ws.close();
        }
      }, this.#timeoutMs);
      ws.onopen = () => {
        opened = true;
        clearTimeout(timer);
        this.counters.opened++;
        if (ws.protocol !== "ocpp1.6") {
          reject(new Error(`Server agreed subprotocol "${ws.protocol}"`));
          return;
        }
        resolve();
      };
      ws.onmessage = (event) => this.#received(station, event.data);
      ws.onerror = () => {
        if (!opened) {
          clearTimeout(timer);
          reject(new Error("Connect failed"));
        }
      };
      ws.onclose = (event) => {
        if (!opened) {
          clearTimeout(timer);
          reject(new Error(`Closed before open (${event.code})`));
          return;
        }
        if (this.#phase !== "done" && !station.abandoned) this.counters.unexpectedCloses++;
        station.ready = false;
        station.ws = null;
        const pending = station.pending;
        station.pending = null;
        pending?.reject(new Error(`Closed (${event.code} ${event.reason})`));
      };
    });
  }

  #status(status: string) {
    return { connectorId: 1, errorCode: "NoError", status, timestamp: new Date().toISOString() };
  }

  #sendNext(station: Station): void {
    const action = CYCLE[station.step % CYCLE.length]!;
    station.step++;
    let payload: Json;
    if (action === "Heartbeat") payload = {};
    else if (action === "StatusNotification") {
      station.status = station.status === "Charging" ? "SuspendedEV" : "Charging";
      payload = this.#status(station.status);
    } else {
      station.energyWh += 37;
      const phase = { phase: "L1", location: "Outlet" };
      payload = {
        connectorId: 1,
        transactionId: station.transactionId,
        meterValue: [{
          timestamp: new Date().toISOString(),
          sampledValue: [
            { value: String(station.energyWh), measurand: "Energy.Active.Import.Register", unit: "Wh" },
            { value: "7360", measurand: "Power.Active.Import", unit: "W" },
            { value: "32.0", measurand: "Current.Import", unit: "A", ...phase },
            { value: "230.0", measurand: "Voltage", unit: "V", ...phase },
          ],
        }],
      };
    }
    // Steady CALLs are fire-and-record: the answer (or its absence) is counted in #received / #expire.
    this.#call(station, action, payload).catch(() => {});
  }

  #call(station: Station, action: Action, payload: Json): Promise<Json> {
    return new Promise((resolve, reject) => {
      const ws = station.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        reject(new Error(`Cannot send "${action}" from "${station.id}": not connected`));
        return;
      }
      const messageId = (this.#nextId++).toString(36);
      station.pending = { messageId, action, sentAt: performance.now(), resolve, reject };
      this.counters.sent++;
      ws.send(JSON.stringify([2, messageId, action, payload]));
    });
  }

  #received(station: Station, data: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      this.counters.badFrames++;
      return;
    }
    if (!Array.isArray(frame)) {
      this.counters.badFrames++;
      return;
    }
    const [type, messageId] = frame as [number, string];
    if (type === 2) return this.#answer(station, messageId, String(frame[2]));
    const pending = station.pending;
    if (!pending || pending.messageId !== messageId) {
      this.counters.badFrames++;
      return;
    }
    station.pending = null;
    const ms = performance.now() - pending.sentAt;
    this.counters.replies++;
    if (this.#phase === "steady") {
      this.all.record(ms);
      let h = this.byAction.get(pending.action);
      if (!h) this.byAction.set(pending.action, h = new Histogram());
      h.record(ms);
    }
    if (type === 3) pending.resolve(frame[2]);
    else {
      const code = String(frame[2]);
      const key = `${pending.action}: ${code}`;
      // Ramp errors are counted by the ramp (rampErrors), steady ones here.
      if (this.#phase === "steady") this.callErrors[key] = (this.callErrors[key] ?? 0) + 1;
      pending.reject(new CallError(code, `${pending.action} answered ${code}: ${String(frame[3])}`));
    }
  }

  #answer(station: Station, messageId: string, action: string): void {
    this.counters.serverCalls++;
    const payload = ANSWERS[action] ?? { status: "Accepted" };
    station.ws?.send(JSON.stringify([3, messageId, payload]));
  }

  #expire(now: number): void {
    for (const station of this.stations) {
      const pending = station.pending;
      if (!pending || now - pending.sentAt < this.#timeoutMs) continue;
      station.pending = null;
      this.counters.timeouts++;
      pending.reject(new Error(`${pending.action} timed out after ${this.#timeoutMs} ms`));
    }
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(Deno.args[0] ?? "{}") as GeneratorConfig;
  const out = (message: Json) => console.log(JSON.stringify(message));
  const generator = new LoadGenerator(config);
  const rampMs = await generator.ramp(() => out({ type: "progress", ...generator.counters }));
  out({ type: "ready", rampMs, ...generator.counters, rampErrors: generator.rampErrors });

  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let buffer = "";
  for await (const chunk of lines) {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const command = JSON.parse(buffer.slice(0, newline)) as {
        cmd: string;
        durationS?: number;
        intervalS?: number;
      };
      buffer = buffer.slice(newline + 1);
      if (command.cmd === "steady") {
        const steadyMs = await generator.steady(command.durationS ?? 60, command.intervalS ?? 30);
        out({ type: "report", steadyMs, ...generator.report() as object });
      } else if (command.cmd === "exit") {
        generator.close();
        // Give the close frames a moment to leave; the OS closes whatever is left.
        await new Promise((r) => setTimeout(r, 500));
        Deno.exit(0);
      }
    }
  }
  Deno.exit(0);
}

if (import.meta.main) await main();

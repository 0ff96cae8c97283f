/**
 * The simulated stations of one load-generator process (Deno's native WebSocket client, subprotocol
 * `ocpp1.6`) against one server. The parent drives it through `generator/mod.ts`:
 *
 * - `connect()`: opens and prepares the stations, `concurrency` at a time or `ratePerS` per second: open,
 *   BootNotification, and for `prepare: "transaction"` StatusNotification(Preparing), StartTransaction (retried
 *   like a station's TransactionMessageAttempts), StatusNotification(Charging).
 * - `run()`: sends a mix (`mixes.ts`) either closed-loop (each station sends its next CALL as soon as the
 *   previous one is answered: saturation) or open-loop at `ratePerS` in all, round-robin over the stations; a
 *   station whose previous CALL is still unanswered when its turn comes is a `busySkip`, not queued.
 * - `run()` opens a window; `mark()` opens a new one (after a warm-up); `stop()` ends the load and the window
 *   and reports what was answered within it.
 *
 * One CALL in flight per station (OCPP-J 1.6 §4.1.1). No timer per station: one tick paces an open loop, one
 * sweep expires unanswered CALLs. The server's CALLs are answered with valid `.conf` payloads.
 */
import { Histogram, type HistogramJson } from "../histogram.ts";
import {
  bootNotification,
  startTransaction,
  type StationAction,
  stationAnswer,
  statusNotification,
} from "./frames.ts";
import { callAnswered, type Mix, newStation, nextCall, type StationState } from "./mixes.ts";

export interface GeneratorConfig {
  /** `ws://host:port/ocpp`; the station id is appended. */
  url: string;
  prefix: string;
  /** First station number (ids are `${prefix}${first + i}`). */
  first?: number;
  stations: number;
  idTag?: string;
  callTimeoutMs?: number;
}

export interface ConnectOptions {
  /** `boot`: open + BootNotification; `transaction`: then Preparing, StartTransaction, Charging. */
  prepare: "boot" | "transaction";
  /** Start this many stations per second (open loop)... */
  ratePerS?: number;
  /** ...or keep this many starting at once (default 100). */
  concurrency?: number;
  /** Stop starting new stations after this many ms; the rest count as `notAttempted`. */
  deadlineMs?: number;
}

export interface ConnectReport {
  /** From the start to the last station prepared (or failed). */
  ms: number;
  /** From the start to the last station prepared. */
  lastReadyMs: number;
  opened: number;
  ready: number;
  failed: number;
  notAttempted: number;
  startRetries: number;
  errors: Record<string, number>;
  /** Open + BootNotification answered, per station. */
  bootLatency: HistogramJson;
}

export interface RunOptions {
  mix: Mix;
  /** CALLs per second from all stations together; absent: closed loop (saturation). */
  ratePerS?: number;
}

export interface WindowReport {
  ms: number;
  sent: number;
  /** CALLRESULTs and CALLERRORs received within the window. */
  replies: number;
  callErrors: Record<string, number>;
  timeouts: number;
  busySkips: number;
  unexpectedCloses: number;
  serverCalls: number;
  badFrames: number;
  /** CALLs still unanswered after the drain. */
  unanswered: number;
  latency: { all: HistogramJson; byAction: Record<string, HistogramJson> };
}

/** TransactionMessageAttempts of the simulated stations. */
const START_ATTEMPTS = 5;

interface Pending {
  messageId: string;
  action: StationAction;
  sentAt: number;
  /** Set for the awaited CALLs of `connect()`; the load's CALLs are handled by `#loadAnswered`. */
  settle: ((result: unknown, error: Error | null) => void) | null;
}

interface Station extends StationState {
  id: string;
  ws: WebSocket | null;
  ready: boolean;
  /** We gave up on it, or close it ourselves. */
  abandoned: boolean;
  pending: Pending | null;
}

class CallError extends Error {
  constructor(readonly code: string, description: string) {
    super(description);
  }
}

class Window {
  readonly startedAt = performance.now();
  stoppedAt: number | null = null;
  sent = 0;
  replies = 0;
  timeouts = 0;
  busySkips = 0;
  unexpectedCloses = 0;
  serverCalls = 0;
  badFrames = 0;
  readonly callErrors: Record<string, number> = {};
  readonly all = new Histogram();
  readonly byAction = new Map<string, Histogram>();

  get open(): boolean {
    return this.stoppedAt === null;
  }

  answered(action: string, ms: number, errorCode: string | null): void {
    if (!this.open) return;
    this.replies++;
    this.all.record(ms);
    let h = this.byAction.get(action);
    if (!h) this.byAction.set(action, h = new Histogram());
    h.record(ms);
    if (errorCode !== null) {
      const key = `${action}: ${errorCode}`;
      this.callErrors[key] = (this.callErrors[key] ?? 0) + 1;
    }
  }

  report(unanswered: number): WindowReport {
    const byAction: Record<string, HistogramJson> = {};
    for (const [action, h] of this.byAction) byAction[action] = h.toJSON();
    return {
      ms: (this.stoppedAt ?? performance.now()) - this.startedAt,
      sent: this.sent,
      replies: this.replies,
      callErrors: this.callErrors,
      timeouts: this.timeouts,
      busySkips: this.busySkips,
      unexpectedCloses: this.unexpectedCloses,
      serverCalls: this.serverCalls,
      badFrames: this.badFrames,
      unanswered,
      latency: { all: this.all.toJSON(), byAction },
    };
  }
}

export class LoadGenerator {
  readonly stations: Station[];
  /** Live counts for progress lines. */
  readonly counters = { opened: 0, ready: 0, failed: 0 };
  #window = new Window();
  #run: RunOptions | null = null;
  #pacer: ReturnType<typeof setInterval> | undefined;
  #closing = false;
  #nextId = 0;
  readonly #idTag: string;
  readonly #timeoutMs: number;
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(readonly config: GeneratorConfig) {
    const first = config.first ?? 0;
    this.#idTag = config.idTag ?? "BENCH-TAG";
    this.#timeoutMs = config.callTimeoutMs ?? 30_000;
    this.stations = Array.from({ length: config.stations }, (_, i) => ({
      ...newStation(first + i),
      id: `${config.prefix}${first + i}`,
      ws: null,
      ready: false,
      abandoned: false,
      pending: null,
    }));
    // The one timer that expires unanswered CALLs of every station.
    this.#sweep = setInterval(() => this.#expire(performance.now()), 250);
  }

  /** Opens and prepares every station not yet ready. Resolves when each one succeeded or failed. */
  async connect(options: ConnectOptions): Promise<ConnectReport> {
    const started = performance.now();
    const deadline = started + (options.deadlineMs ?? Infinity);
    const todo = this.stations.filter((s) => !s.ready && !s.ws);
    const errors: Record<string, number> = {};
    const bootLatency = new Histogram();
    const report = { opened: 0, ready: 0, failed: 0, startRetries: 0, lastReadyMs: 0 };
    const openedBefore = this.counters.opened;
    let next = 0;
    const prepareOne = async (station: Station) => {
      try {
        const t0 = performance.now();
        await this.#open(station);
        await this.#boot(station);
        bootLatency.record(performance.now() - t0);
        if (options.prepare === "transaction") {
          report.startRetries += await this.#startCharging(station, errors);
        }
        station.ready = true;
        report.ready++;
        this.counters.ready++;
        report.lastReadyMs = performance.now() - started;
      } catch (error) {
        report.failed++;
        this.counters.failed++;
        const key = String(error instanceof Error ? error.message : error).slice(0, 120);
        errors[key] = (errors[key] ?? 0) + 1;
        station.abandoned = true;
        station.ws?.close();
      }
    };
    if (options.ratePerS) {
      // Open loop: station k starts at k / ratePerS seconds, whether or not the earlier ones are done.
      const rate = options.ratePerS;
      const running: Promise<void>[] = [];
      await new Promise<void>((resolve) => {
        const tick = () => {
          const now = performance.now();
          const due = Math.min(todo.length, Math.floor((now - started) / 1000 * rate) + 1);
          while (next < due && now < deadline) running.push(prepareOne(todo[next++]!));
          if (next >= todo.length || now >= deadline) {
            clearInterval(timer);
            resolve();
          }
        };
        const timer = setInterval(tick, 2);
        tick();
      });
      await Promise.all(running);
    } else {
      const worker = async () => {
        while (next < todo.length && performance.now() < deadline) await prepareOne(todo[next++]!);
      };
      const concurrency = Math.max(1, Math.min(options.concurrency ?? 100, todo.length));
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
    return {
      ms: performance.now() - started,
      ...report,
      opened: this.counters.opened - openedBefore,
      notAttempted: todo.length - next,
      errors,
      bootLatency: bootLatency.toJSON(),
    };
  }

  /** Starts sending `options.mix` from every ready station, in a new window; replaces a running load. */
  run(options: RunOptions): void {
    this.#stopPacer();
    this.#run = options;
    this.#window = new Window();
    const ready = this.stations.filter((s) => s.ready);
    if (options.ratePerS === undefined) {
      for (const station of ready) if (!station.pending) this.#sendNext(station);
      return;
    }
    const rate = options.ratePerS;
    const started = performance.now();
    let issued = 0;
    let cursor = 0;
    this.#pacer = setInterval(() => {
      const due = Math.floor((performance.now() - started) / 1000 * rate);
      for (; issued < due; issued++) {
        if (ready.length === 0) return;
        const station = ready[cursor]!;
        cursor = (cursor + 1) % ready.length;
        if (!station.ready || !station.ws) continue;
        if (station.pending) this.#window.busySkips++;
        else this.#sendNext(station);
      }
    }, 2);
  }

  /** Replies so far in the current window, per action (a smoke test waits for enough of each). */
  repliesSoFar(): Record<string, number> {
    return Object.fromEntries([...this.#window.byAction].map(([action, h]) => [action, h.count]));
  }

  /** Starts a new measured window (the load keeps running). */
  mark(): void {
    this.#window = new Window();
  }

  /** Stops the load and the window, waits up to `drainMs` for the last answers, reports the window. */
  async stop(drainMs = 5000): Promise<WindowReport> {
    this.#stopPacer();
    this.#run = null;
    const window = this.#window;
    window.stoppedAt = performance.now();
    const until = performance.now() + drainMs;
    while (performance.now() < until && this.stations.some((s) => s.pending)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return window.report(this.stations.filter((s) => s.pending).length);
  }

  /** Closes every station (1000) and waits up to `timeoutMs` for the closes. */
  async close(timeoutMs = 10_000): Promise<number> {
    this.#stopPacer();
    this.#run = null;
    this.#closing = true;
    for (const station of this.stations) {
      station.abandoned = true;
      try {
        station.ws?.close(1000);
      } catch {
        // Already closed.
      }
    }
    const until = performance.now() + timeoutMs;
    while (performance.now() < until && this.stations.some((s) => s.ws)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    clearInterval(this.#sweep);
    return this.stations.filter((s) => s.ws).length;
  }

  #stopPacer(): void {
    clearInterval(this.#pacer);
    this.#pacer = undefined;
  }

  async #boot(station: Station): Promise<void> {
    const boot = await this.#call(station, "BootNotification", bootNotification(station.id)) as {
      status: string;
    };
    if (boot.status !== "Accepted") throw new Error(`BootNotification answered ${boot.status}`);
  }

  /** Preparing, StartTransaction (retried like a station does), Charging; resolves with the retries. */
  async #startCharging(station: Station, errors: Record<string, number>): Promise<number> {
    await this.#call(station, "StatusNotification", statusNotification("Preparing"));
    let retries = 0;
    // A station retries a transaction message the Central System failed to process (OCPP 1.6 §4.8,
    // TransactionMessageAttempts / TransactionMessageRetryInterval).
    for (let attempt = 1;; attempt++) {
      const request = startTransaction(this.#idTag, station.energyWh);
      try {
        callAnswered(station, "StartTransaction", await this.#call(station, "StartTransaction", request));
        break;
      } catch (error) {
        if (!(error instanceof CallError) || attempt >= START_ATTEMPTS) throw error;
        const key = `${error.message.slice(0, 100)} (retried)`;
        errors[key] = (errors[key] ?? 0) + 1;
        retries++;
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
      }
    }
    await this.#call(station, "StatusNotification", statusNotification("Charging"));
    return retries;
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
      ws.onerror = (event) => {
        if (!opened) {
          clearTimeout(timer);
          reject(new Error(connectFailure(event)));
        }
      };
      ws.onclose = (event) => {
        station.ws = null;
        station.ready = false;
        if (!opened) {
          clearTimeout(timer);
          reject(new Error(`Closed before open (${event.code})`));
          return;
        }
        if (!this.#closing && !station.abandoned) this.#window.unexpectedCloses++;
        const pending = station.pending;
        station.pending = null;
        pending?.settle?.(null, new Error(`Closed (${event.code} ${event.reason})`));
      };
    });
  }

  #sendNext(station: Station): void {
    const { action, payload } = nextCall(this.#run!.mix, station, this.#idTag);
    this.#send(station, action, payload, null);
  }

  #call(station: Station, action: StationAction, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#send(station, action, payload, (result, error) => error ? reject(error) : resolve(result));
    });
  }

  #send(station: Station, action: StationAction, payload: unknown, settle: Pending["settle"]): void {
    const ws = station.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      settle?.(null, new Error(`Cannot send "${action}" from "${station.id}": not connected`));
      return;
    }
    const messageId = (this.#nextId++).toString(36);
    station.pending = { messageId, action, sentAt: performance.now(), settle };
    this.#window.sent++;
    ws.send(JSON.stringify([2, messageId, action, payload]));
  }

  #received(station: Station, data: unknown): void {
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      this.#window.badFrames++;
      return;
    }
    if (!Array.isArray(frame)) {
      this.#window.badFrames++;
      return;
    }
    const [type, messageId] = frame as [number, string];
    if (type === 2) {
      this.#window.serverCalls++;
      station.ws?.send(JSON.stringify([3, messageId, stationAnswer(String(frame[2]))]));
      return;
    }
    const pending = station.pending;
    if (!pending || pending.messageId !== messageId || (type !== 3 && type !== 4)) {
      this.#window.badFrames++;
      return;
    }
    station.pending = null;
    const errorCode = type === 4 ? String(frame[2]) : null;
    this.#window.answered(pending.action, performance.now() - pending.sentAt, errorCode);
    if (pending.settle) {
      if (errorCode === null) pending.settle(frame[2], null);
      else {
        pending.settle(
          null,
          new CallError(errorCode, `${pending.action} answered ${errorCode}: ${String(frame[3])}`),
        );
      }
      return;
    }
    callAnswered(station, pending.action, errorCode === null ? frame[2] : null);
    // Closed loop: the next CALL goes out as soon as this one is answered.
    if (this.#run && this.#run.ratePerS === undefined) this.#sendNext(station);
  }

  #expire(now: number): void {
    for (const station of this.stations) {
      const pending = station.pending;
      if (!pending || now - pending.sentAt < this.#timeoutMs) continue;
      station.pending = null;
      this.#window.timeouts++;
      if (pending.settle) {
        pending.settle(null, new Error(`${pending.action} timed out after ${this.#timeoutMs} ms`));
      } else {
        callAnswered(station, pending.action, null);
        if (this.#run && this.#run.ratePerS === undefined) this.#sendNext(station);
      }
    }
  }
}

/**
 * The error of a station's WebSocket that failed before it opened, with the runtime's reason (refused, reset,
 * an HTTP status instead of 101): "Connect failed" alone says nothing about which side gave up.
 */
export function connectFailure(event: Event): string {
  const message = event instanceof ErrorEvent ? event.message : "";
  return message ? `Connect failed: ${message}` : "Connect failed";
}

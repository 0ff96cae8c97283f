/**
 * One virtual charging station: it owns its WebSocket session, its outbox and its timers, and keeps its
 * connectors, configuration, profiles and lists as plain data that the pure modules beside it compute on.
 * The Central System's commands are answered in `handlers.ts`; this file holds the lifecycle (connect, boot,
 * heartbeat, reconnect, reboot) and the operations those handlers and the public API share (start and stop
 * a transaction, sample the meter, report statuses, inject faults).
 */
import type { Logger } from "../logger.ts";
import {
  type AuthorizationCache,
  decideSwipe,
  effectiveStatus,
  EMPTY_LIST,
  type LocalList,
} from "./authorization.ts";
import type { InstalledProfile } from "./charging_profiles.ts";
import { installChargingProfile, withoutTxProfiles } from "./charging_profiles.ts";
import type { Clock } from "./clock.ts";
import { compositeSchedule, type ConnectorContext, type Electrical, limitAt } from "./composite_schedule.ts";
import { configBool, configInt, configMeasurands, defaultConfiguration } from "./configuration.ts";
import { classifyCallFailure, ConnectFailedError, type Connection, openConnection } from "./connection.ts";
import {
  beginTransaction,
  type Connector,
  endTransaction,
  fault,
  hardwareW,
  minimumOfferW,
  newConnector,
  plugIn,
  recover,
  refuseStart,
  reservationAdmits,
  statusOf,
  type Transaction,
  unplug,
} from "./connector.ts";
import { installHandlers } from "./handlers.ts";
import { advance, type Ev, evDemandW, sampledValues } from "./meter.ts";
import type {
  BootInfo,
  ChargePointErrorCode,
  ChargePointStatus,
  ChargingProfile,
  ChargingRateUnit,
  ChargingSchedule,
  DiagnosticsStatus,
  FirmwareStatus,
  IdTagInfo,
  Measurand,
  MeterValue,
  ReadingContext,
  RegistrationStatus,
  RequestOf,
  StopReason,
} from "./ocpp.ts";
import { createOutbox, type Outbox, type OutboxMessage } from "./outbox.ts";
import type { Random } from "./random.ts";

export interface StationOptions {
  id: string;
  /** The Central System's OCPP endpoint, e.g. `ws://127.0.0.1:3001/ocpp`. */
  url: string;
  connectors: number;
  /** Security profile 1: the Basic auth password (the station's AuthorizationKey). */
  authorizationKey?: string;
  /** Heartbeat at this interval whatever BootNotification.conf says. */
  heartbeatIntervalS?: number;
  meterIntervalS: number;
  boot: BootInfo;
  electrical: Electrical;
  /** Per phase, per connector. */
  maxCurrentA: number;
  /** Configuration keys to set at power-on, e.g. `{ AuthorizeRemoteTxRequests: "true" }`. */
  configuration?: Record<string, string>;
  random: Random;
  clock: Clock;
  logger: Logger;
  callTimeoutMs: number;
  /** Reconnect back-off bounds. */
  reconnectDelayMs: { min: number; max: number };
  /** How long a reset keeps the station off the network. */
  rebootDelayMs: number;
  /** The driver unplugs this long after a session ends or is refused; null: only when told (`unplug()`). */
  unplugAfterMs: number | null;
  /** The car a driver plugs in. */
  ev(random: Random): Ev;
  fetch: typeof fetch;
}

export type StationState =
  | "offline"
  | "connecting"
  | "booting"
  | "pending"
  | "rejected"
  | "accepted"
  | "rebooting"
  | "stopped";

export interface ConnectorSnapshot {
  connectorId: number;
  status: ChargePointStatus;
  errorCode: ChargePointErrorCode;
  plugged: boolean;
  transactionId: number | null;
  idTag: string | null;
  reservationId: number | null;
  energyWh: number;
  powerW: number;
  offeredW: number;
  socPercent: number | null;
}

export interface StationSnapshot {
  id: string;
  state: StationState;
  registrationStatus: RegistrationStatus | null;
  /** Connector 0 (the station) first. */
  connectors: ConnectorSnapshot[];
  heartbeatIntervalS: number;
  firmwareVersion: string;
  localListVersion: number;
  chargingProfiles: InstalledProfile[];
  queuedMessages: number;
  stats: StationStats;
}

export interface StationStats {
  connects: number;
  boots: number;
  callsSent: number;
  callsReceived: number;
  /** Frames that failed schema validation, ours or theirs: should stay 0. */
  invalidFrames: number;
}

export interface StartOutcome {
  /** The idTag's status (from the Central System, or the local list/cache), or why nothing started. */
  status: IdTagInfo["status"] | "Refused";
  transactionId?: number;
  reason?: string;
}

/** Physics between meter samples: limits, a full battery and the station's share are looked at this often. */
const TICK_MS = 5000;
/** A Reset waits this long for its StopTransactions to be answered before the socket goes. */
const RESET_DRAIN_MS = 5000;
/** BootNotification.conf interval 0 means "choose yourself". */
const DEFAULT_BOOT_RETRY_S = 30;

/** Connector 0 of a StatusNotification: the station as a whole. */
interface StationLevel {
  operative: boolean;
  fault: { errorCode: ChargePointErrorCode; info?: string } | null;
}

export class VirtualStation {
  readonly id: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly random: Random;
  config: Map<string, string>;
  connectors: Connector[];
  station: StationLevel = { operative: true, fault: null };
  profiles: InstalledProfile[] = [];
  localList: LocalList = EMPTY_LIST;
  cache: AuthorizationCache = new Map();
  firmwareVersion: string;
  firmwareStatus: FirmwareStatus = "Idle";
  diagnosticsStatus: DiagnosticsStatus = "Idle";
  /** A firmware installed before the reboot: report Installed once booted. */
  installedFirmware = false;
  /** Connectors whose remote start was accepted and is under way. */
  readonly starting = new Set<number>();
  readonly stats: StationStats = { connects: 0, boots: 0, callsSent: 0, callsReceived: 0, invalidFrames: 0 };
  readonly abort = new AbortController();

  #state: StationState = "offline";
  #registration: RegistrationStatus | null = null;
  #connection: Connection | null = null;
  #silent = false;
  #offlineUntil = 0;
  #reconnectAttempt = 0;
  #lastAdvance: number;
  #txSeq = 0;
  readonly #outbox: Outbox;
  readonly #timers = new Map<string, () => void>();
  /** What the Central System last heard per connector: `status/errorCode`. */
  readonly #reported = new Map<number, string>();
  /** Central System transaction ids by our local id (StopTransaction may be queued before the id comes). */
  readonly #transactionIds = new Map<number, number>();
  /** Readings for StopTransaction's transactionData, by local id. */
  readonly #transactionData = new Map<number, MeterValue[]>();
  readonly #startWaiters = new Map<number, (outcome: StartOutcome) => void>();
  #acceptedWaiters: Array<() => void> = [];

  constructor(readonly options: StationOptions) {
    this.id = options.id;
    this.clock = options.clock;
    this.random = options.random;
    this.log = options.logger.with({ chargePointId: options.id });
    this.firmwareVersion = options.boot.firmwareVersion ?? "1.0.0";
    this.config = defaultConfiguration({
      connectors: options.connectors,
      heartbeatIntervalS: options.heartbeatIntervalS ?? 300,
      meterIntervalS: options.meterIntervalS,
      ...(options.authorizationKey ? { authorizationKey: options.authorizationKey } : {}),
      ...(options.configuration ? { overrides: options.configuration } : {}),
    });
    const meterRandom = options.random.fork("meters");
    this.connectors = Array.from({ length: options.connectors }, (_, i) =>
      newConnector(i + 1, {
        electrical: options.electrical,
        maxCurrentA: options.maxCurrentA,
        // A meter that has seen some use.
        energyWh: meterRandom.int(0, 5_000_000),
      }));
    this.#lastAdvance = options.clock.now();
    this.#outbox = createOutbox({
      send: (action, payload) => {
        const connection = this.#connection;
        if (!connection) return Promise.reject(new Error("Not connected"));
        this.stats.callsSent++;
        return connection.call(action, payload);
      },
      classify: classifyCallFailure,
      canSend: () => this.#canSend(),
      clock: options.clock,
      retryPolicy: () => ({
        attempts: configInt(this.config, "TransactionMessageAttempts"),
        intervalS: configInt(this.config, "TransactionMessageRetryInterval"),
      }),
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------

  get state(): StationState {
    return this.#state;
  }

  get registrationStatus(): RegistrationStatus | null {
    return this.#registration;
  }

  /** The state, read afresh (TypeScript narrows `this.#state` across awaits as if it could not change). */
  #is(state: StationState): boolean {
    return this.#state === state;
  }

  get connected(): boolean {
    return this.#connection !== null;
  }

  /** Powers on: connects and boots. */
  start(): void {
    if (this.#state !== "offline" || this.#timers.has("reconnect")) return;
    void this.#connect();
  }

  /** Switches the station off: no reconnect, open transactions stay open (as when power is cut). */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#setState("stopped");
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    this.abort.abort();
    this.#outbox.pause();
    for (const waiter of this.#startWaiters.values()) {
      waiter({ status: "Refused", reason: "station stopped" });
    }
    this.#startWaiters.clear();
    const connection = this.#connection;
    this.#connection = null;
    if (connection) await connection.close(1000, "Station stopped").catch(() => {});
  }

  /** Resolves once the Central System has accepted the station. */
  whenAccepted(timeoutMs = 30_000): Promise<void> {
    if (this.#state === "accepted") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cancel = this.clock.after(timeoutMs, () => {
        this.#acceptedWaiters = this.#acceptedWaiters.filter((w) => w !== done);
        reject(
          new Error(`Station "${this.id}" was not accepted within ${timeoutMs} ms (state ${this.#state})`),
        );
      });
      const done = () => {
        cancel();
        resolve();
      };
      this.#acceptedWaiters.push(done);
    });
  }

  #setState(state: StationState): void {
    this.#state = state;
    if (state === "accepted") {
      const waiters = this.#acceptedWaiters;
      this.#acceptedWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Runs `callback` after `ms` under `name`, replacing a timer of that name. */
  schedule(name: string, ms: number, callback: () => void): void {
    this.cancel(name);
    if (this.#state === "stopped") return;
    this.#timers.set(
      name,
      this.clock.after(ms, () => {
        this.#timers.delete(name);
        callback();
      }),
    );
  }

  cancel(name: string): void {
    this.#timers.get(name)?.();
    this.#timers.delete(name);
  }

  /** Resolves after `ms` of station time; rejects when the station stops. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.abort.signal.aborted) return reject(new Error("Station stopped"));
      const cancel = this.clock.after(ms, () => {
        this.abort.signal.removeEventListener("abort", onAbort);
        resolve();
      });
      const onAbort = () => {
        cancel();
        reject(new Error("Station stopped"));
      };
      this.abort.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  async #connect(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#setState("connecting");
    const password = this.config.get("AuthorizationKey") || undefined;
    let connection: Connection;
    try {
      connection = await openConnection({
        url: this.options.url,
        identity: this.id,
        ...(password ? { password } : {}),
        callTimeoutMs: this.options.callTimeoutMs,
        pingIntervalS: configInt(this.config, "WebSocketPingInterval"),
        onInvalidFrame: (detail) => {
          this.stats.invalidFrames++;
          this.log.error("invalid OCPP frame", detail);
        },
        onFrame: (frame, outbound) => this.log.debug(outbound ? "frame sent" : "frame received", { frame }),
      });
    } catch (error) {
      if (this.#is("stopped")) return;
      const status = error instanceof ConnectFailedError ? error.status : null;
      this.log.warn("connect failed", { status, error: String(error) });
      this.#setState("offline");
      this.#scheduleReconnect();
      return;
    }
    if (this.#is("stopped")) {
      await connection.close(1000, "Station stopped").catch(() => {});
      return;
    }
    this.#connection = connection;
    this.stats.connects++;
    this.#reconnectAttempt = 0;
    connection.setSilent(this.#silent);
    installHandlers(this, connection);
    connection.onClose((info) => this.#closed(connection, info));
    this.log.info("connected", { url: this.options.url });
    if (this.#registration === "Accepted") {
      // A reconnect, not a reboot: the Central System knows us; tell it what changed meanwhile.
      this.#setState("accepted");
      this.#sessionUp();
    } else {
      void this.#boot();
    }
  }

  #closed(connection: Connection, info: { code: number; reason: string }): void {
    if (this.#connection !== connection) return;
    this.#connection = null;
    this.#outbox.disconnected();
    this.cancel("heartbeat");
    this.cancel("bootRetry");
    this.cancel("aligned");
    if (this.#state === "stopped" || this.#state === "rebooting") return;
    this.log.info("disconnected", info);
    this.#setState("offline");
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const { min, max } = this.options.reconnectDelayMs;
    const backoff = Math.min(max, min * 2 ** this.#reconnectAttempt++) * (0.5 + this.random.next() / 2);
    const delay = Math.max(backoff, this.#offlineUntil - this.clock.now());
    this.schedule("reconnect", delay, () => void this.#connect());
  }

  async #boot(): Promise<void> {
    const connection = this.#connection;
    if (!connection) return;
    this.#setState("booting");
    let response: Record<string, unknown>;
    try {
      this.stats.callsSent++;
      response = await connection.call("BootNotification", this.bootInfo());
    } catch (error) {
      if (this.#connection !== connection) return;
      this.log.warn("boot notification failed", { error: String(error) });
      this.schedule("bootRetry", DEFAULT_BOOT_RETRY_S * 1000, () => void this.#boot());
      return;
    }
    if (this.#connection !== connection) return;
    this.stats.boots++;
    const status = response.status as RegistrationStatus;
    const interval = response.interval as number;
    this.#registration = status;
    this.log.info("boot notification answered", { registrationStatus: status, interval });
    if (status === "Accepted") {
      if (this.options.heartbeatIntervalS === undefined && interval > 0) {
        this.config.set("HeartbeatInterval", String(interval));
      }
      this.#setState("accepted");
      // After a boot the Central System knows nothing of our connectors.
      this.#reported.clear();
      this.#sessionUp();
      if (this.installedFirmware) {
        this.installedFirmware = false;
        this.notifyFirmware("Installed");
      }
      return;
    }
    // Pending: answer the Central System's calls meanwhile. Rejected: say nothing until the retry (§4.2.1).
    this.#setState(status === "Pending" ? "pending" : "rejected");
    this.schedule(
      "bootRetry",
      (interval > 0 ? interval : DEFAULT_BOOT_RETRY_S) * 1000,
      () => void this.#boot(),
    );
  }

  /** Accepted and connected: report, beat, send what waited. */
  #sessionUp(): void {
    this.syncStatuses();
    this.scheduleHeartbeat();
    this.scheduleAligned();
    this.#outbox.pump();
  }

  #canSend(): boolean {
    return this.#connection !== null && this.#state === "accepted" && !this.#silent;
  }

  bootInfo(): BootInfo {
    return { ...this.options.boot, firmwareVersion: this.firmwareVersion };
  }

  /** Queues a CALL (see outbox.ts for what survives a disconnection). */
  push(message: OutboxMessage): void {
    if (this.#state === "stopped") return;
    if (!message.persistent && !this.#canSend()) {
      message.onDropped?.("not connected");
      return;
    }
    this.#outbox.push(message);
  }

  scheduleHeartbeat(): void {
    const seconds = this.options.heartbeatIntervalS ?? configInt(this.config, "HeartbeatInterval");
    if (seconds <= 0) return this.cancel("heartbeat");
    this.schedule("heartbeat", seconds * 1000, () => {
      this.sendHeartbeat();
      this.scheduleHeartbeat();
    });
  }

  sendHeartbeat(): void {
    this.push({ action: "Heartbeat", payload: () => ({}), persistent: false });
  }

  /** A BootNotification while running (TriggerMessage): the answer may change the heartbeat interval. */
  sendBootNotification(): void {
    this.push({
      action: "BootNotification",
      payload: () => this.bootInfo(),
      persistent: false,
      onResult: (response) => {
        const interval = response.interval as number;
        if (response.status === "Accepted" && this.options.heartbeatIntervalS === undefined && interval > 0) {
          this.config.set("HeartbeatInterval", String(interval));
          this.scheduleHeartbeat();
        }
      },
    });
  }

  /**
   * Reset (OCPP 1.6 §5.14): running transactions stop with SoftReset/HardReset, their StopTransactions get a
   * few seconds to go out, the socket closes (a Hard reset just cuts it), and the station boots again.
   */
  async reboot(type: "Soft" | "Hard"): Promise<void> {
    if (this.#state === "stopped" || this.#state === "rebooting") return;
    this.log.info("rebooting", { type });
    for (const c of this.connectors) {
      if (c.transaction) this.stopTransactionOn(c.connectorId, type === "Hard" ? "HardReset" : "SoftReset");
    }
    if (this.#canSend()) await this.#outbox.drained(RESET_DRAIN_MS);
    if (this.#is("stopped")) return;
    this.#setState("rebooting");
    for (const name of [...this.#timers.keys()]) {
      // Reservations live on in the station's memory, and the simulation's drivers and faults ("sim:") in
      // the world around it; the session's timers do not.
      if (!name.startsWith("reservation:") && !name.startsWith("sim:")) this.cancel(name);
    }
    this.#registration = null;
    this.#reported.clear();
    this.starting.clear();
    this.connectors = this.connectors.map((c) => ({
      ...unplug(c),
      meter: { ...c.meter, powerW: 0, offeredW: 0 },
    }));
    const connection = this.#connection;
    this.#connection = null;
    this.#outbox.disconnected();
    if (connection) {
      if (type === "Hard") connection.terminate();
      else await connection.close(1000, "Reset").catch(() => {});
    }
    this.schedule("reconnect", this.options.rebootDelayMs, () => void this.#connect());
  }

  /** Cuts the network; the station reconnects after `offlineMs` at the earliest (else its usual back-off). */
  dropConnection(offlineMs = 0): void {
    this.#offlineUntil = this.clock.now() + offlineMs;
    this.log.info("dropping connection", { offlineMs });
    this.#connection?.terminate();
  }

  /** Goes silent: sends nothing and answers nothing (not even pings) until `resume()` or `ms` later. */
  silence(ms?: number): void {
    this.#silent = true;
    this.#connection?.setSilent(true);
    this.log.info("silent", { ms: ms ?? null });
    if (ms !== undefined) this.schedule("silence", ms, () => this.resume());
  }

  resume(): void {
    if (!this.#silent) return;
    this.#silent = false;
    this.cancel("silence");
    this.#connection?.setSilent(false);
    this.log.info("talking again");
    if (this.#state === "accepted") {
      this.syncStatuses();
      this.#outbox.pump();
    }
  }

  setPingInterval(seconds: number): void {
    this.#connection?.setPingInterval(seconds);
  }

  // ---- connectors and statuses -----------------------------------------------------------------------------

  connector(connectorId: number): Connector | undefined {
    return connectorId >= 1 ? this.connectors[connectorId - 1] : undefined;
  }

  update(connectorId: number, change: (c: Connector) => Connector): Connector {
    const current = this.connector(connectorId);
    if (!current) throw new RangeError(`Station "${this.id}" has no connector ${connectorId}`);
    const next = change(current);
    this.connectors[connectorId - 1] = next;
    return next;
  }

  statusOf(
    connectorId: number,
  ): { status: ChargePointStatus; errorCode: ChargePointErrorCode; info?: string } {
    if (connectorId === 0) {
      const { fault: f, operative } = this.station;
      if (f) {
        return f.info === undefined
          ? { status: "Faulted", errorCode: f.errorCode }
          : { status: "Faulted", ...f };
      }
      return { status: operative ? "Available" : "Unavailable", errorCode: "NoError" };
    }
    const c = this.connector(connectorId);
    if (!c) throw new RangeError(`Station "${this.id}" has no connector ${connectorId}`);
    const status = statusOf(c);
    if (!c.fault) return { status, errorCode: "NoError" };
    return c.fault.info === undefined
      ? { status, errorCode: c.fault.errorCode }
      : { status, errorCode: c.fault.errorCode, info: c.fault.info };
  }

  /**
   * Sends a StatusNotification for every connector whose status changed since the Central System last heard
   * (and for `force`d ones regardless). Offline or silent, nothing goes; the difference is sent later.
   */
  syncStatuses(force: readonly number[] = []): void {
    for (let id = 0; id <= this.connectors.length; id++) {
      const current = this.statusOf(id);
      const key = `${current.status}/${current.errorCode}`;
      if (this.#reported.get(id) === key && !force.includes(id)) continue;
      if (!this.#canSend()) continue;
      this.#reported.set(id, key);
      this.log.info("status", { connectorId: id, ...current });
      this.push({
        action: "StatusNotification",
        payload: () => ({ connectorId: id, ...current, timestamp: this.#iso() }),
        persistent: false,
        onDropped: () => {
          if (this.#reported.get(id) === key) this.#reported.delete(id);
        },
      });
    }
  }

  newEv(): Ev {
    return this.options.ev(this.random);
  }

  /** The driver plugs a car in. */
  plugIn(connectorId: number, ev: Ev = this.newEv()): void {
    this.cancel(`unplug:${connectorId}`);
    this.update(connectorId, (c) => (c.plugged ? c : plugIn(c, ev)));
    this.syncStatuses();
  }

  /**
   * The driver unplugs: a running transaction stops with EVDisconnected when StopTransactionOnEVSideDisconnect
   * is true (else it stays, suspended by the EV).
   */
  unplug(connectorId: number): void {
    this.cancel(`unplug:${connectorId}`);
    const c = this.connector(connectorId);
    if (!c?.plugged) return;
    if (c.transaction) {
      if (!configBool(this.config, "StopTransactionOnEVSideDisconnect")) {
        this.update(connectorId, (x) => ({ ...x, ev: null }));
        this.refreshOffers();
        this.syncStatuses();
        return;
      }
      this.stopTransactionOn(connectorId, "EVDisconnected");
    }
    this.update(connectorId, unplug);
    this.starting.delete(connectorId);
    this.syncStatuses();
  }

  /** The driver leaves a while after the session (or the refusal), if the simulation says drivers do. */
  scheduleUnplug(connectorId: number): void {
    if (this.options.unplugAfterMs === null) return;
    this.schedule(`unplug:${connectorId}`, this.options.unplugAfterMs, () => this.unplug(connectorId));
  }

  /** Marks a connector (or, with 0, the station) Faulted; a transaction on it stops with reason Other. */
  fault(connectorId: number, errorCode: ChargePointErrorCode = "OtherError", info?: string): void {
    this.log.info("fault injected", { connectorId, errorCode, info: info ?? null });
    if (connectorId === 0) {
      this.station = { ...this.station, fault: info === undefined ? { errorCode } : { errorCode, info } };
    } else {
      if (this.connector(connectorId)?.transaction) this.stopTransactionOn(connectorId, "Other");
      this.update(connectorId, (c) => fault(c, errorCode, info));
    }
    this.refreshOffers();
    this.syncStatuses();
  }

  recover(connectorId: number): void {
    this.log.info("fault cleared", { connectorId });
    if (connectorId === 0) this.station = { ...this.station, fault: null };
    else this.update(connectorId, recover);
    this.refreshOffers();
    this.syncStatuses();
  }

  // ---- power and meters ------------------------------------------------------------------------------------

  contextOf(c: Connector, relativeStart = this.clock.now()): ConnectorContext {
    const ctx: ConnectorContext = { connectorId: c.connectorId, electrical: c.electrical, relativeStart };
    if (c.transaction) {
      const transactionId = this.#transactionIds.get(c.transaction.localId);
      ctx.transaction = transactionId === undefined
        ? { startedAt: c.transaction.startedAt }
        : { startedAt: c.transaction.startedAt, transactionId };
    }
    return ctx;
  }

  /** What the station offers a connector at `t` in watts: hardware, profiles, its share of the station cap. */
  offerAt(c: Connector, t: number): number {
    if (!c.transaction || c.transaction.deauthorized || c.fault || this.station.fault) return 0;
    let watts = hardwareW(c);
    const limit = limitAt(this.profiles, t, this.contextOf(c));
    if (limit !== null) watts = Math.min(watts, limit);
    const stationCap = limitAt(this.profiles, t, {
      connectorId: 0,
      electrical: c.electrical,
      relativeStart: t,
    });
    if (stationCap !== null) {
      const sharing = this.connectors.filter((x) =>
        x.transaction && !x.transaction.deauthorized && !x.fault
      ).length;
      watts = Math.min(watts, stationCap / Math.max(1, sharing));
    }
    // Below the least current a car can take, a real station pauses instead (IEC 61851-1).
    return watts < minimumOfferW(c) ? 0 : watts;
  }

  /** Integrates every meter up to now at the limits in force so far. Call before anything changes them. */
  advanceMeters(): void {
    const now = this.clock.now();
    const from = this.#lastAdvance;
    this.#lastAdvance = now;
    if (now <= from) return;
    this.connectors = this.connectors.map((c) => {
      if (!c.transaction || !c.ev) return c;
      const next = advance(c.meter, c.ev, from, now, (t) => this.offerAt(c, t));
      return { ...c, meter: next.meter, ev: next.ev };
    });
  }

  /** Re-reads every connector's offer and draw after a change (profile, transaction, fault). */
  refreshOffers(): void {
    const now = this.clock.now();
    this.connectors = this.connectors.map((c) => {
      const offeredW = this.offerAt(c, now);
      const powerW = c.ev && c.transaction ? evDemandW(c.ev, offeredW) : 0;
      return { ...c, meter: { ...c.meter, offeredW, powerW } };
    });
  }

  /** A reading of a connector (0: the station's main meter, the sum of all). */
  meterValue(connectorId: number, measurands: readonly Measurand[], context: ReadingContext): MeterValue {
    const timestamp = this.#iso();
    if (connectorId === 0) {
      const energyWh = this.connectors.reduce((sum, c) => sum + c.meter.energyWh, 0);
      const powerW = this.connectors.reduce((sum, c) => sum + c.meter.powerW, 0);
      const offeredW = this.connectors.reduce((sum, c) => sum + c.meter.offeredW, 0);
      const first = this.connectors[0] as Connector;
      return {
        timestamp,
        sampledValue: sampledValues(
          { energyWh, powerW, offeredW },
          null,
          measurands,
          context,
          first.electrical,
        ),
      };
    }
    const c = this.connector(connectorId) as Connector;
    return { timestamp, sampledValue: sampledValues(c.meter, c.ev, measurands, context, c.electrical) };
  }

  /**
   * Queues a MeterValues for a connector. One of a transaction is a transaction message (kept and retried),
   * carrying the transactionId StartTransaction brought.
   */
  sendMeterValues(connectorId: number, context: ReadingContext, measurandsKey: string): void {
    const measurands = configMeasurands(this.config, measurandsKey);
    if (measurands.length === 0) return;
    const value = this.meterValue(connectorId, measurands, context);
    const tx = this.connector(connectorId)?.transaction;
    this.push({
      action: "MeterValues",
      persistent: tx !== undefined && tx !== null,
      payload: () => {
        const transactionId = tx ? this.#transactionIds.get(tx.localId) : undefined;
        return transactionId === undefined
          ? { connectorId, meterValue: [value] }
          : { connectorId, transactionId, meterValue: [value] };
      },
    });
  }

  #scheduleSampler(connectorId: number): void {
    const seconds = configInt(this.config, "MeterValueSampleInterval");
    if (seconds <= 0) return this.cancel(`meter:${connectorId}`);
    this.schedule(`meter:${connectorId}`, seconds * 1000, () => {
      if (!this.connector(connectorId)?.transaction) return;
      this.advanceMeters();
      this.refreshOffers();
      this.sendMeterValues(connectorId, "Sample.Periodic", "MeterValuesSampledData");
      this.syncStatuses();
      this.#scheduleSampler(connectorId);
    });
  }

  /** MeterValueSampleInterval changed: running samplers take the new interval. */
  rescheduleSamplers(): void {
    for (const c of this.connectors) if (c.transaction) this.#scheduleSampler(c.connectorId);
  }

  #scheduleTick(): void {
    if (!this.connectors.some((c) => c.transaction)) return this.cancel("tick");
    this.schedule("tick", TICK_MS, () => {
      this.advanceMeters();
      this.refreshOffers();
      this.syncStatuses();
      this.#scheduleTick();
    });
  }

  /** Clock-aligned readings (ClockAlignedDataInterval, OCPP 1.6 §4.7) at each whole interval of the day. */
  scheduleAligned(): void {
    const seconds = configInt(this.config, "ClockAlignedDataInterval");
    if (seconds <= 0) return this.cancel("aligned");
    const period = seconds * 1000;
    const now = this.clock.now();
    const next = Math.floor(now / period) * period + period;
    this.schedule("aligned", next - now, () => {
      this.advanceMeters();
      this.refreshOffers();
      for (const c of this.connectors) {
        this.sendMeterValues(c.connectorId, "Sample.Clock", "MeterValuesAlignedData");
        const stopTxnAligned = configMeasurands(this.config, "StopTxnAlignedData");
        if (c.transaction && stopTxnAligned.length > 0) {
          this.#transactionData.get(c.transaction.localId)?.push(
            this.meterValue(c.connectorId, stopTxnAligned, "Sample.Clock"),
          );
        }
      }
      this.scheduleAligned();
    });
  }

  // ---- transactions ----------------------------------------------------------------------------------------

  /** The connector running the Central System's transaction `transactionId`. */
  connectorOfTransaction(transactionId: number): Connector | undefined {
    return this.connectors.find((c) =>
      c.transaction && this.#transactionIds.get(c.transaction.localId) === transactionId
    );
  }

  transactionIdOf(tx: Transaction): number | undefined {
    return this.#transactionIds.get(tx.localId);
  }

  /**
   * Authorizes an idTag the way the configuration says: from the local list or cache, or by asking
   * (Authorize.req). null: refused without an answer (offline and unknown).
   */
  authorize(idTag: string): Promise<IdTagInfo | null> {
    const settings = {
      online: this.#canSend(),
      listEnabled: configBool(this.config, "LocalAuthListEnabled"),
      cacheEnabled: configBool(this.config, "AuthorizationCacheEnabled"),
      localPreAuthorize: configBool(this.config, "LocalPreAuthorize"),
      localAuthorizeOffline: configBool(this.config, "LocalAuthorizeOffline"),
      allowOfflineTxForUnknownId: configBool(this.config, "AllowOfflineTxForUnknownId"),
    };
    const decision = decideSwipe(idTag, this.localList, this.cache, settings, this.clock.now());
    if (decision.decision === "accept") return Promise.resolve(decision.info);
    if (decision.decision === "reject") return Promise.resolve(decision.info);
    return new Promise((resolve) => {
      this.push({
        action: "Authorize",
        payload: () => ({ idTag }),
        persistent: false,
        onResult: (response) => {
          const info = response.idTagInfo as IdTagInfo;
          this.remember(idTag, info);
          resolve(info);
        },
        // No answer: decide as an offline station would.
        onDropped: () => {
          const offline = decideSwipe(
            idTag,
            this.localList,
            this.cache,
            { ...settings, online: false },
            this.clock.now(),
          );
          resolve(
            offline.decision === "accept"
              ? offline.info
              : offline.decision === "reject"
              ? offline.info
              : null,
          );
        },
      });
    });
  }

  /** Caches what the Central System said of an idTag (AuthorizationCacheEnabled, OCPP 1.6 §3.5.2). */
  remember(idTag: string, info: IdTagInfo): void {
    if (!configBool(this.config, "AuthorizationCacheEnabled")) return;
    const cache = new Map(this.cache);
    cache.set(idTag.toLowerCase(), info);
    this.cache = cache;
  }

  isAccepted(info: IdTagInfo | null): boolean {
    return info !== null && effectiveStatus(info, this.clock.now()) === "Accepted";
  }

  /**
   * Starts a transaction on a connector whose driver is authorized: plugs in if needed, uses a reservation
   * the idTag holds, queues StartTransaction, and starts sampling. Returns our local transaction id.
   */
  startTransactionOn(
    connectorId: number,
    idTag: string,
    info: IdTagInfo | null,
    txProfile?: ChargingProfile,
  ): number {
    this.advanceMeters();
    this.cancel(`unplug:${connectorId}`);
    this.starting.delete(connectorId);
    let c = this.connector(connectorId) as Connector;
    if (!c.plugged) c = plugIn(c, this.newEv());
    const reservation = c.reservation && reservationAdmits(c.reservation, idTag, info?.parentIdTag)
      ? c.reservation
      : null;
    if (reservation) this.cancel(`reservation:${connectorId}`);
    const now = this.clock.now();
    const tx: Transaction = {
      localId: ++this.#txSeq,
      idTag,
      startedAt: now,
      meterStart: Math.floor(c.meter.energyWh),
      ...(reservation ? { reservationId: reservation.reservationId } : {}),
      ...(info?.parentIdTag ? { parentIdTag: info.parentIdTag } : {}),
    };
    this.connectors[connectorId - 1] = beginTransaction(c, tx);
    if (txProfile) this.profiles = installChargingProfile(this.profiles, connectorId, txProfile);
    const begin = configMeasurands(this.config, "StopTxnSampledData");
    this.#transactionData.set(
      tx.localId,
      begin.length > 0 ? [this.meterValue(connectorId, begin, "Transaction.Begin")] : [],
    );
    const timestamp = this.#iso();
    this.log.info("transaction starting", { connectorId, idTag, meterStart: tx.meterStart });
    this.push({
      action: "StartTransaction",
      persistent: true,
      payload: () => ({
        connectorId,
        idTag,
        meterStart: tx.meterStart,
        timestamp,
        ...(tx.reservationId !== undefined ? { reservationId: tx.reservationId } : {}),
      }),
      onResult: (response) =>
        this.#started(
          connectorId,
          tx,
          response as RequestOf<"StartTransaction"> & {
            transactionId: number;
            idTagInfo: IdTagInfo;
          },
        ),
      onDropped: (why) => {
        this.log.warn("StartTransaction given up", { connectorId, why });
        this.#startWaiters.get(tx.localId)?.({
          status: "Refused",
          reason: `StartTransaction failed: ${why}`,
        });
        this.#startWaiters.delete(tx.localId);
      },
    });
    this.refreshOffers();
    this.syncStatuses();
    this.#scheduleSampler(connectorId);
    this.#scheduleTick();
    return tx.localId;
  }

  #started(
    connectorId: number,
    tx: Transaction,
    response: { transactionId: number; idTagInfo: IdTagInfo },
  ): void {
    this.#transactionIds.set(tx.localId, response.transactionId);
    this.remember(tx.idTag, response.idTagInfo);
    const current = this.connector(connectorId);
    const running = current?.transaction?.localId === tx.localId;
    if (running) {
      this.update(
        connectorId,
        (c) => ({ ...c, transaction: { ...tx, transactionId: response.transactionId } }),
      );
    }
    this.log.info("transaction started", {
      connectorId,
      transactionId: response.transactionId,
      idTagStatus: response.idTagInfo.status,
    });
    this.#startWaiters.get(tx.localId)?.({
      status: response.idTagInfo.status,
      transactionId: response.transactionId,
    });
    this.#startWaiters.delete(tx.localId);
    if (!running || this.isAccepted(response.idTagInfo)) return;
    // StopTransactionOnInvalidId (OCPP 1.6 §9.1): stop, or keep the transaction without energy.
    if (configBool(this.config, "StopTransactionOnInvalidId")) {
      this.stopTransactionOn(connectorId, "DeAuthorized");
    } else {
      this.update(
        connectorId,
        (c) => c.transaction ? { ...c, transaction: { ...c.transaction, deauthorized: true } } : c,
      );
      this.advanceMeters();
      this.refreshOffers();
      this.syncStatuses();
    }
  }

  /** Waits for the Central System's answer to a transaction's StartTransaction. */
  whenStarted(localId: number): Promise<StartOutcome> {
    const known = this.#transactionIds.get(localId);
    if (known !== undefined) return Promise.resolve({ status: "Accepted", transactionId: known });
    return new Promise((resolve) => this.#startWaiters.set(localId, resolve));
  }

  /**
   * Stops the transaction on a connector: final reading, StopTransaction (with transactionData from
   * StopTxnSampledData/StopTxnAlignedData), its TxProfiles go, a scheduled availability change applies.
   */
  stopTransactionOn(connectorId: number, reason: StopReason, idTag?: string): boolean {
    this.advanceMeters();
    const c = this.connector(connectorId);
    const tx = c?.transaction;
    if (!c || !tx) return false;
    const meterStop = Math.floor(c.meter.energyWh);
    const timestamp = this.#iso();
    const stopTxn = configMeasurands(this.config, "StopTxnSampledData");
    const transactionData = [...(this.#transactionData.get(tx.localId) ?? [])];
    if (stopTxn.length > 0) transactionData.push(this.meterValue(connectorId, stopTxn, "Transaction.End"));
    this.#transactionData.delete(tx.localId);
    this.connectors[connectorId - 1] = endTransaction(c);
    this.profiles = withoutTxProfiles(this.profiles, connectorId);
    this.cancel(`meter:${connectorId}`);
    this.log.info("transaction stopping", {
      connectorId,
      reason,
      meterStop,
      energyWh: meterStop - tx.meterStart,
    });
    this.push({
      action: "StopTransaction",
      persistent: true,
      payload: () => {
        const transactionId = this.#transactionIds.get(tx.localId);
        if (transactionId === undefined) return null;
        return {
          transactionId,
          meterStop,
          timestamp,
          reason,
          ...(idTag !== undefined ? { idTag } : {}),
          ...(transactionData.length > 0 ? { transactionData } : {}),
        };
      },
      onResult: (response) => {
        if (idTag !== undefined && response.idTagInfo) this.remember(idTag, response.idTagInfo as IdTagInfo);
        this.#transactionIds.delete(tx.localId);
      },
      onDropped: (why) => this.log.warn("StopTransaction given up", { connectorId, why }),
    });
    this.refreshOffers();
    this.syncStatuses();
    this.#scheduleTick();
    if (this.connector(connectorId)?.plugged) this.scheduleUnplug(connectorId);
    return true;
  }

  /**
   * A driver presents `idTag` at a connector (plugging in first if needed): authorized locally or by the
   * Central System, then StartTransaction. Resolves with the idTag status and the transaction id.
   */
  async startTransaction(connectorId: number, idTag: string): Promise<StartOutcome> {
    const c = this.connector(connectorId);
    if (!c) return { status: "Refused", reason: `connector ${connectorId} does not exist` };
    // The reservation is checked once the idTag's parent is known.
    const early = refuseStart({ ...c, reservation: null }, idTag) ??
      (this.starting.has(connectorId) ? "a start is under way" : null);
    if (early) return { status: "Refused", reason: early };
    this.starting.add(connectorId);
    this.plugIn(connectorId);
    const info = await this.authorize(idTag);
    this.starting.delete(connectorId);
    if (!info || !this.isAccepted(info)) {
      this.scheduleUnplug(connectorId);
      return {
        status: info ? effectiveStatus(info, this.clock.now()) : "Invalid",
        reason: "idTag not accepted",
      };
    }
    const now = this.connector(connectorId) as Connector;
    const late = refuseStart(now, idTag, info.parentIdTag);
    if (late) return { status: "Refused", reason: late };
    const localId = this.startTransactionOn(connectorId, idTag, info);
    return this.whenStarted(localId);
  }

  /**
   * The driver ends the session at the station (reason Local, with the idTag that started it), or it ends
   * for another reason. False when nothing was running.
   */
  stopTransaction(connectorId: number, reason: StopReason = "Local", idTag?: string): boolean {
    const tx = this.connector(connectorId)?.transaction;
    if (!tx) return false;
    return this.stopTransactionOn(connectorId, reason, idTag ?? (reason === "Local" ? tx.idTag : undefined));
  }

  // ---- smart charging --------------------------------------------------------------------------------------

  setProfiles(profiles: InstalledProfile[]): void {
    this.advanceMeters();
    this.profiles = profiles;
    this.refreshOffers();
    this.syncStatuses();
  }

  /** GetCompositeSchedule's schedule for a connector (0: the station) from now. */
  compositeSchedule(connectorId: number, durationS: number, unit: ChargingRateUnit = "A"): ChargingSchedule {
    const start = Math.floor(this.clock.now() / 1000) * 1000;
    if (connectorId === 0) {
      const first = this.connectors[0] as Connector;
      const total = this.connectors.reduce((sum, c) => sum + hardwareW(c), 0);
      return compositeSchedule(
        this.profiles,
        { connectorId: 0, electrical: first.electrical, relativeStart: start },
        start,
        durationS,
        unit,
        total,
      );
    }
    const c = this.connector(connectorId) as Connector;
    return compositeSchedule(this.profiles, this.contextOf(c, start), start, durationS, unit, hardwareW(c));
  }

  // ---- firmware and diagnostics ----------------------------------------------------------------------------

  notifyFirmware(status: FirmwareStatus): void {
    this.firmwareStatus = status;
    this.log.info("firmware status", { status });
    this.push({ action: "FirmwareStatusNotification", payload: () => ({ status }), persistent: false });
  }

  notifyDiagnostics(status: DiagnosticsStatus): void {
    this.diagnosticsStatus = status;
    this.log.info("diagnostics status", { status });
    this.push({ action: "DiagnosticsStatusNotification", payload: () => ({ status }), persistent: false });
  }

  // ---- reading -------------------------------------------------------------------------------------------

  /** The status a connector (0: the station) shows now. */
  status(connectorId: number): ChargePointStatus {
    return this.statusOf(connectorId).status;
  }

  /** The configuration keys and values, but the write-only AuthorizationKey. */
  configuration(): Record<string, string> {
    return Object.fromEntries([...this.config].filter(([key]) => key !== "AuthorizationKey"));
  }

  snapshot(): StationSnapshot {
    this.advanceMeters();
    const connectors: ConnectorSnapshot[] = [{
      connectorId: 0,
      ...this.statusOf(0),
      plugged: false,
      transactionId: null,
      idTag: null,
      reservationId: null,
      energyWh: this.connectors.reduce((sum, c) => sum + c.meter.energyWh, 0),
      powerW: this.connectors.reduce((sum, c) => sum + c.meter.powerW, 0),
      offeredW: this.connectors.reduce((sum, c) => sum + c.meter.offeredW, 0),
      socPercent: null,
    }];
    for (const c of this.connectors) {
      const { status, errorCode } = this.statusOf(c.connectorId);
      connectors.push({
        connectorId: c.connectorId,
        status,
        errorCode,
        plugged: c.plugged,
        transactionId: c.transaction ? this.#transactionIds.get(c.transaction.localId) ?? null : null,
        idTag: c.transaction?.idTag ?? null,
        reservationId: c.reservation?.reservationId ?? null,
        energyWh: c.meter.energyWh,
        powerW: c.meter.powerW,
        offeredW: c.meter.offeredW,
        socPercent: c.ev?.socPercent ?? null,
      });
    }
    return {
      id: this.id,
      state: this.#state,
      registrationStatus: this.#registration,
      connectors,
      heartbeatIntervalS: this.options.heartbeatIntervalS ?? configInt(this.config, "HeartbeatInterval"),
      firmwareVersion: this.firmwareVersion,
      localListVersion: this.localList.version,
      chargingProfiles: [...this.profiles],
      queuedMessages: this.#outbox.size,
      stats: { ...this.stats },
    };
  }

  #iso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

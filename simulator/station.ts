/**
 * One virtual charging station: it owns its WebSocket session, its outbox and its timers, and keeps its
 * connectors, configuration, profiles and lists as plain data that the pure modules beside it compute on.
 * The Central System's commands are answered in `handlers.ts`; this file holds the lifecycle (connect, boot,
 * heartbeat, reconnect, reboot) and the operations those handlers and the public API share (start and stop
 * a transaction, sample the meter, report statuses, inject faults).
 */
import type { Logger } from "../logger.ts";
import { type AuthorizationCache, EMPTY_LIST, type LocalList } from "./authorization.ts";
import type { InstalledProfile } from "./charging_profiles.ts";
import type { Clock } from "./clock.ts";
import type { Electrical } from "./composite_schedule.ts";
import { configBool, configInt, defaultConfiguration } from "./configuration.ts";
import { classifyCallFailure, ConnectFailedError, type Connection, openConnection } from "./connection.ts";
import { type Connector, fault, newConnector, plugIn, recover, statusOf, unplug } from "./connector.ts";
import { installHandlers } from "./handlers.ts";
import type { Ev } from "./meter.ts";
import { Metering } from "./metering.ts";
import type {
  BootInfo,
  ChargePointErrorCode,
  ChargePointStatus,
  ChargingRateUnit,
  ChargingSchedule,
  DiagnosticsStatus,
  FirmwareStatus,
  RegistrationStatus,
  StopReason,
} from "./ocpp.ts";
import { createOutbox, type Outbox, type OutboxMessage } from "./outbox.ts";
import type { Random } from "./random.ts";
import { type StartOutcome, Transactions } from "./transactions.ts";

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
  /** Read-only keys of the station model, e.g. `{ SendLocalListMaxLength: "2" }`. */
  fixedConfiguration?: Record<string, string>;
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
  readonly meters: Metering;
  readonly transactions: Transactions;

  #state: StationState = "offline";
  #registration: RegistrationStatus | null = null;
  #connection: Connection | null = null;
  #silent = false;
  #offlineUntil = 0;
  #reconnectAttempt = 0;
  readonly #outbox: Outbox;
  readonly #timers = new Map<string, () => void>();
  /** What the Central System last heard per connector: `status/errorCode`. */
  readonly #reported = new Map<number, string>();
  #acceptedWaiters: Array<{ resolve(): void; reject(error: Error): void }> = [];

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
      ...(options.fixedConfiguration ? { fixed: options.fixedConfiguration } : {}),
    });
    const meterRandom = options.random.fork("meters");
    this.connectors = Array.from({ length: options.connectors }, (_, i) =>
      newConnector(i + 1, {
        electrical: options.electrical,
        maxCurrentA: options.maxCurrentA,
        // A meter that has seen some use.
        energyWh: meterRandom.int(0, 5_000_000),
      }));
    this.#outbox = createOutbox({
      send: (action, payload) => {
        const connection = this.#connection;
        if (!connection) return Promise.reject(new Error("Not connected"));
        this.stats.callsSent++;
        return connection.call(action, payload);
      },
      classify: classifyCallFailure,
      canSend: () => this.canSend(),
      clock: options.clock,
      retryPolicy: () => ({
        attempts: configInt(this.config, "TransactionMessageAttempts"),
        intervalS: configInt(this.config, "TransactionMessageRetryInterval"),
      }),
    });
    this.meters = new Metering(this);
    this.transactions = new Transactions(this);
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
    // Authorize calls that will never be answered now decide offline, and their waiters are told.
    this.#outbox.disconnected();
    this.transactions.abandon();
    const waiters = this.#acceptedWaiters;
    this.#acceptedWaiters = [];
    for (const w of waiters) w.reject(new Error(`Station "${this.id}" was stopped before it was accepted`));
    const connection = this.#connection;
    this.#connection = null;
    if (connection) await connection.close(1000, "Station stopped").catch(() => {});
  }

  /** Resolves once the Central System has accepted the station. */
  whenAccepted(timeoutMs = 30_000): Promise<void> {
    if (this.#state === "accepted") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          cancel();
          resolve();
        },
        reject: (error: Error) => {
          cancel();
          reject(error);
        },
      };
      const cancel = this.clock.after(timeoutMs, () => {
        this.#acceptedWaiters = this.#acceptedWaiters.filter((w) => w !== waiter);
        reject(
          new Error(`Station "${this.id}" was not accepted within ${timeoutMs} ms (state ${this.#state})`),
        );
      });
      this.#acceptedWaiters.push(waiter);
    });
  }

  #setState(state: StationState): void {
    this.#state = state;
    if (state === "accepted") {
      const waiters = this.#acceptedWaiters;
      this.#acceptedWaiters = [];
      for (const w of waiters) w.resolve();
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
      this.log.warn("connect failed", { status, error: (error as Error).message });
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
    if (this.#silent) {
      // A silent station says nothing, not even its BootNotification; it boots once it talks again.
      this.schedule("bootRetry", 1000, () => void this.#boot());
      return;
    }
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
    this.meters.align();
    this.#outbox.pump();
  }

  /** Connected, accepted and not silent: a CALL may go now. */
  canSend(): boolean {
    return this.#connection !== null && this.#connection.open && this.#state === "accepted" && !this.#silent;
  }

  bootInfo(): BootInfo {
    return { ...this.options.boot, firmwareVersion: this.firmwareVersion };
  }

  /** Queues a CALL (see outbox.ts for what survives a disconnection). */
  push(message: OutboxMessage): void {
    if (this.#state === "stopped") return;
    if (!message.persistent && !this.canSend()) {
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
      if (c.transaction) this.transactions.stop(c.connectorId, type === "Hard" ? "HardReset" : "SoftReset");
    }
    if (this.canSend()) await this.#outbox.drained(RESET_DRAIN_MS);
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
    const connection = this.#connection;
    if (!connection) return;
    connection.terminate();
    // Offline from this moment, not from the close event.
    this.#closed(connection, { code: 1006, reason: "Connection dropped" });
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
      if (!this.canSend()) continue;
      this.#reported.set(id, key);
      this.log.info("status", { connectorId: id, ...current });
      this.push({
        action: "StatusNotification",
        payload: () => ({ connectorId: id, ...current, timestamp: this.timestamp() }),
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
        this.meters.refresh();
        this.syncStatuses();
        return;
      }
      this.transactions.stop(connectorId, "EVDisconnected");
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
  fault(connectorId: number, errorCode: ChargePointErrorCode = "OtherError", text?: string): void {
    // StatusNotification's info is a CiString50.
    const info = text?.slice(0, 50);
    this.log.info("fault injected", { connectorId, errorCode, info: info ?? null });
    if (connectorId === 0) {
      this.station = { ...this.station, fault: info === undefined ? { errorCode } : { errorCode, info } };
    } else {
      if (this.connector(connectorId)?.transaction) this.transactions.stop(connectorId, "Other");
      this.update(connectorId, (c) => fault(c, errorCode, info));
    }
    this.meters.refresh();
    this.syncStatuses();
  }

  recover(connectorId: number): void {
    this.log.info("fault cleared", { connectorId });
    if (connectorId === 0) this.station = { ...this.station, fault: null };
    else this.update(connectorId, recover);
    this.meters.refresh();
    this.syncStatuses();
  }

  // ---- transactions (see transactions.ts) ------------------------------------------------------------

  /** A driver presents `idTag` at a connector: authorization, then StartTransaction. */
  startTransaction(connectorId: number, idTag: string): Promise<StartOutcome> {
    return this.transactions.startLocal(connectorId, idTag);
  }

  /**
   * The driver ends the session at the station (reason Local, with the idTag that started it), or it ends
   * for another reason. False when nothing was running.
   */
  stopTransaction(connectorId: number, reason: StopReason = "Local", idTag?: string): boolean {
    const tx = this.connector(connectorId)?.transaction;
    if (!tx) return false;
    return this.transactions.stop(connectorId, reason, idTag ?? (reason === "Local" ? tx.idTag : undefined));
  }

  // ---- smart charging --------------------------------------------------------------------------------------

  setProfiles(profiles: InstalledProfile[]): void {
    this.meters.advance();
    this.profiles = profiles;
    this.meters.refresh();
    this.syncStatuses();
  }

  /** GetCompositeSchedule's schedule for a connector (0: the station) from now. */
  compositeSchedule(connectorId: number, durationS: number, unit: ChargingRateUnit = "A"): ChargingSchedule {
    return this.meters.compositeSchedule(connectorId, durationS, unit);
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
    this.meters.advance();
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
        transactionId: c.transaction ? this.transactions.idOf(c.transaction) ?? null : null,
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

  /** Now, as an OCPP date-time. */
  timestamp(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

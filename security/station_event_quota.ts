/**
 * A station's quota in the security event log. The events its own messages cause (SecurityEventNotification,
 * OCPP 1.6 and 2.0.1; a refused CSR) are stored one by one up to `max` per sliding `windowMs`, and its
 * critical events (a tamper alarm) up to `max` more, so that a flood of ordinary ones never hides them; past
 * it they are counted instead, and one `station_events_dropped` event says how many were dropped (how many
 * critical, the last one's text), at most once per `reportEveryMs` per station: the first drop of a flood at
 * once, the rest when the station's interval is up (a timer), and whatever is left at `close()`. A station
 * stays answered either way; only the log is spared.
 *
 * Kept per station id in this process, not per connection, so reconnecting does not reset it. The truth it
 * starts from is the durable log that every node shares: a station's count is read back from there (its
 * stored events in the window, its last drop report) the first time it reports after connecting here, so a
 * station that moves to another node, or comes back after a restart, brings its quota with it. The drop
 * counts are this process's until reported (a station is connected to one node at a time).
 *
 * A CALL the station sends again after its answer was lost is not counted twice: one admitted whose event the
 * log then refused as stored already is given back (`refund()`), and past the quota `admit()` asks
 * `alreadyStored` before counting a drop, so a retransmission is neither stored nor dropped.
 *
 * @example
 * ```ts
 * const reported: unknown[] = [];
 * const quota = new StationEventQuota({ max: 1, windowMs: 60_000, reportEveryMs: 60_000 }, {
 *   history: () => Promise.resolve([]),
 *   record: (event) => reported.push(event),
 *   now: () => new Date("2024-05-01T10:00:00Z"),
 * });
 * await quota.admit("CP-1", { kind: "station_event", reason: "FirmwareUpdated" }); // true
 * await quota.admit("CP-1", { kind: "station_event", reason: "FirmwareUpdated" }); // false
 * reported.length; // 1
 * quota.close();
 * ```
 */
import { setMostRecent } from "../model/recency.ts";
import type { SecurityEvent, SecurityEventKind } from "../store/security_events.ts";
import type { SecurityEventInput } from "./security_events.ts";

export interface StationEventQuotaOptions {
  /** Events of one station stored per window; 0: no quota. */
  max: number;
  windowMs: number;
  /** A station's drop report at most this often. */
  reportEveryMs: number;
  /** Stations remembered at most; the least recent are reported (if need be) and forgotten (default 10,000). */
  maxStations?: number;
}

export interface StationEventQuotaDeps {
  /**
   * The station's newest events of `kind` since `since` (ISO) in the durable log, newest first (`at` and
   * `kind` are enough).
   */
  history(
    chargePointId: string,
    query: { kind: SecurityEventKind; limit: number; since: string },
  ): Promise<Pick<SecurityEvent, "at" | "kind">[]>;
  record(event: SecurityEventInput): unknown;
  now: () => Date;
  /** Told when the history cannot be read (the quota then counts from what this process sees). */
  onHistoryError?: (chargePointId: string, error: unknown) => void;
}

/** The kinds a station's own messages cause: what the quota counts. */
export const QUOTA_KINDS: ReadonlySet<SecurityEventKind> = new Set([
  "station_event",
  "station_event_critical",
  "csr_rejected",
]);

/** Critical events have a quota of their own: an ordinary flood must not use it up. */
function classOf(kind: SecurityEventKind): "ordinary" | "critical" {
  return kind === "station_event_critical" ? "critical" : "ordinary";
}

interface StationCount {
  /**
   * When its stored events of the window were stored (ms), oldest first, ordinary and critical apart; null
   * until read from the log.
   */
  stored: { ordinary: number[]; critical: number[] } | null;
  reading: Promise<void> | null;
  dropped: number;
  droppedCritical: number;
  firstDroppedMs: number;
  lastDropped: string;
  lastReportMs: number;
}

export class StationEventQuota {
  readonly #stations = new Map<string, StationCount>();
  readonly #maxStations: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    private readonly options: StationEventQuotaOptions,
    private readonly deps: StationEventQuotaDeps,
  ) {
    this.#maxStations = options.maxStations ?? 10_000;
  }

  /**
   * True: store the station's event; false: it is over its quota, counted for the next drop report, unless
   * `alreadyStored` (asked only then) says the log holds it already: a retransmission, not counted.
   */
  async admit(
    chargePointId: string,
    event: { kind: SecurityEventKind; reason: string },
    alreadyStored?: () => Promise<boolean>,
  ): Promise<boolean> {
    if (this.options.max <= 0) return true;
    const station = this.#station(chargePointId);
    if (station.stored === null) {
      station.reading ??= this.#read(chargePointId, station).finally(() => (station.reading = null));
      await station.reading;
    }
    const nowMs = this.deps.now().getTime();
    const stored = station.stored?.[classOf(event.kind)] ?? [];
    while (stored.length > 0 && stored[0]! <= nowMs - this.options.windowMs) stored.shift();
    if (stored.length < this.options.max) {
      stored.push(nowMs);
      return true;
    }
    // Unreadable: counted, as before there was a way to tell.
    if (alreadyStored && await alreadyStored().catch(() => false)) return false;
    if (station.dropped === 0) station.firstDroppedMs = nowMs;
    station.dropped++;
    if (event.kind === "station_event_critical") station.droppedCritical++;
    station.lastDropped = event.reason.slice(0, 200);
    if (nowMs - station.lastReportMs >= this.options.reportEveryMs) {
      this.#report(chargePointId, station, nowMs);
    } else this.#schedule();
    return false;
  }

  /**
   * An event `admit()` let through was not stored after all: the log held it already (a CALL sent again). Its
   * place in the window is given back. (A count read again from the log since never held it.)
   */
  refund(chargePointId: string, event: { kind: SecurityEventKind }): void {
    if (this.options.max <= 0) return;
    const stored = this.#stations.get(chargePointId)?.stored?.[classOf(event.kind)];
    // The newest: the one it took (times only grow; any one of the window would do as well).
    stored?.pop();
  }

  /**
   * The station's actor stopped: its count is read again from the log when it next reports, wherever it
   * connects then; what it dropped stays counted here until reported.
   */
  left(chargePointId: string): void {
    const station = this.#stations.get(chargePointId);
    if (station && station.reading === null) station.stored = null;
  }

  /** Writes the drop reports whose interval is up; the timer calls it, tests may too. */
  reportDue(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const nowMs = this.deps.now().getTime();
    for (const [id, station] of this.#stations) {
      if (station.dropped > 0 && nowMs - station.lastReportMs >= this.options.reportEveryMs) {
        this.#report(id, station, nowMs);
      }
    }
    this.#schedule();
  }

  /** Reports every drop not reported yet, interval or not (nothing is lost at shutdown), and stops the timer. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const nowMs = this.deps.now().getTime();
    for (const [id, station] of this.#stations) {
      if (station.dropped > 0) this.#report(id, station, nowMs);
    }
  }

  #station(chargePointId: string): StationCount {
    let station = this.#stations.get(chargePointId);
    if (!station) {
      station = {
        stored: null,
        reading: null,
        dropped: 0,
        droppedCritical: 0,
        firstDroppedMs: 0,
        lastDropped: "",
        lastReportMs: -Infinity,
      };
    }
    const oldest = this.#stations.size >= this.#maxStations && !this.#stations.has(chargePointId)
      ? this.#stations.entries().next().value
      : undefined;
    // Forgetting a station must not forget what it dropped.
    if (oldest && oldest[1].dropped > 0) this.#report(oldest[0], oldest[1], this.deps.now().getTime());
    // Re-inserted so the map's order is least recently heard first.
    setMostRecent(this.#stations, chargePointId, station, this.#maxStations);
    return station;
  }

  /**
   * Its stored events of the window and its last drop report, from the log every node shares: read kind by
   * kind, so that our own events about the id (failed auths, accepted certificates) cannot crowd them out.
   */
  async #read(chargePointId: string, station: StationCount): Promise<void> {
    const { max, windowMs, reportEveryMs } = this.options;
    const nowMs = this.deps.now().getTime();
    const since = nowMs - windowMs;
    let events: Pick<SecurityEvent, "at" | "kind">[] = [];
    try {
      // Within the window only: a read never walks a station's whole history.
      const read = (kind: SecurityEventKind, limit: number, fromMs: number) =>
        this.deps.history(chargePointId, { kind, limit, since: new Date(fromMs).toISOString() });
      const lists = await Promise.all([
        ...[...QUOTA_KINDS].map((kind) => read(kind, max, since)),
        read("station_events_dropped", 1, nowMs - reportEveryMs),
      ]);
      events = lists.flat();
    } catch (error) {
      this.deps.onHistoryError?.(chargePointId, error);
    }
    const stored = { ordinary: [] as number[], critical: [] as number[] };
    for (const event of events) {
      const atMs = Date.parse(event.at);
      if (QUOTA_KINDS.has(event.kind) && atMs > since) stored[classOf(event.kind)].push(atMs);
      if (event.kind === "station_events_dropped") {
        station.lastReportMs = Math.max(station.lastReportMs, atMs);
      }
    }
    const newest = (times: number[]) => times.sort((a, b) => a - b).slice(-max);
    station.stored = { ordinary: newest(stored.ordinary), critical: newest(stored.critical) };
  }

  #report(chargePointId: string, station: StationCount, nowMs: number): void {
    const { max, windowMs } = this.options;
    const critical = station.droppedCritical > 0 ? ` (${station.droppedCritical} critical)` : "";
    this.deps.record({
      kind: "station_events_dropped",
      chargePointId,
      reason:
        `Over its quota of ${max} security events per ${windowMs / 1000} s: ${station.dropped} dropped` +
        `${critical} since ${
          new Date(station.firstDroppedMs).toISOString()
        }; the last: ${station.lastDropped}`,
    });
    station.dropped = 0;
    station.droppedCritical = 0;
    station.lastReportMs = nowMs;
  }

  /** One timer for the process: at the earliest pending report. */
  #schedule(): void {
    if (this.#closed || this.#timer !== undefined) return;
    let due = Infinity;
    for (const station of this.#stations.values()) {
      if (station.dropped > 0) due = Math.min(due, station.lastReportMs + this.options.reportEveryMs);
    }
    if (due === Infinity) return;
    this.#timer = setTimeout(() => this.reportDue(), Math.max(0, due - this.deps.now().getTime()));
  }
}

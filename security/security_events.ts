/**
 * Security events: failed station authentication, refused stations, rate limiting, failed operator logins,
 * security setting changes and certificate checks. Each one is a log line with `event: "security"`, an entry
 * in a bounded in-memory ring, and, written behind, a row of the durable log in the StationSecurityStore
 * (store/security_events.ts) that every process on the same store shares. Never holds a secret.
 *
 * `record()` is synchronous and never waits for the store: an auth decision must not get slower, nor fail,
 * because the store is slow or down. Events queue and are written in batches by one writer; a failed write is
 * logged once, kept (up to `maxPending`, the oldest dropped first) and retried every `retryMs`. `page()`
 * flushes first, so a process reads its own events, and falls back to the ring when the store fails;
 * `list()` reads only the ring.
 *
 * A station's own event carries the id of the CALL that caused it (`recordOnce()`): the store refuses one it
 * holds already for the same station, message id, kind and reason (a CALL sent again after its answer was lost,
 * to any process, after any restart), in the write that would store it. Such an event is queued and written
 * like the others, but only told (log line, ring, listeners) once the store took it; its promise says whether
 * it did.
 *
 * Our own events about a source nobody vouches for (failed station auths and logins, refused handshakes,
 * uploads and downloads, certificates) have a budget per source address (an IPv6 /64, within its /48's
 * larger one), `sources`: past it a source's events are counted, not kept one by one, and a
 * `source_events_suppressed` event says how many (the first at once, then once per the budget's summary
 * interval, the tail by a timer, the rest at `close()`), so an attacker knocking all day cannot push the other
 * events out of the log (its retention is a count).
 *
 * @example
 * ```ts
 * import { createMemoryLogger } from "../logger.ts";
 * const events = new SecurityEventLog(createMemoryLogger(), () => new Date());
 * events.record({ kind: "station_auth_failed", chargePointId: "CP-1", remoteAddress: "10.0.0.9", reason: "Wrong password" });
 * events.list().length; // 1
 * (await events.page({ limit: 10 })).items.length; // 1
 * await events.close();
 * ```
 */
import type { Logger } from "../logger.ts";
import type { RefusalThrottle } from "./refusal_throttle.ts";
import { setMostRecent } from "../model/recency.ts";
import { replaceBadText } from "../protocol/ocppj/bad_text.ts";
import {
  matchesSecurityEventQuery,
  type SecurityEvent,
  securityEventId,
  type SecurityEventKind,
  type SecurityEventOfMessage,
  type SecurityEventQuery,
  type SecurityEventStore,
} from "../store/security_events.ts";

export { isSecurityEventId, SECURITY_EVENT_KINDS } from "../store/security_events.ts";
export type { SecurityEvent, SecurityEventKind } from "../store/security_events.ts";

export type SecurityEventInput =
  & Partial<Omit<SecurityEvent, "id" | "at" | "kind" | "reason" | "messageId">>
  & {
    kind: SecurityEventKind;
    reason: string;
  };

export interface SecurityEventPage {
  /** Newest first. */
  items: SecurityEvent[];
  /** `before` of the next page; null on the last. */
  nextCursor: string | null;
  /** "memory": the store failed, these are this process's recent events only. */
  source: "store" | "memory";
}

export interface SecurityEventLogOptions {
  /** The durable log; without one, only the ring (tests). */
  store?: SecurityEventStore;
  /** Ring size (default 1000). */
  capacity?: number;
  /** Events waiting for the store at most (default 10,000). */
  maxPending?: number;
  /** Events per store write (default 100). */
  batchSize?: number;
  /** Wait before retrying a failed write (default 5 s). */
  retryMs?: number;
  /** The budget per source of the events about one (`FROM_SOURCE`); without one, every event is kept. */
  sources?: RefusalThrottle;
}

/**
 * Our events about a source nobody vouches for, with a budget per source (a station's own have its quota).
 * Not `certificate_accepted`: stations behind one address reconnecting after a restart must not spend the
 * budget its attacks' events need.
 */
export const FROM_SOURCE: ReadonlySet<SecurityEventKind> = new Set([
  "station_auth_failed",
  "station_refused",
  "station_flood_closed",
  "certificate_rejected",
  "login_failed",
  "upload_refused",
  "download_refused",
]);

const QUIET: ReadonlySet<SecurityEventKind> = new Set([
  "certificate_accepted",
  "certificate_installed",
  "station_security_changed",
  "station_security_deleted",
]);

export class SecurityEventLog {
  #entries: SecurityEvent[] = [];
  #pending: SecurityEvent[] = [];
  /** The events of the batch being written (out of `#pending` until its write failed). */
  #inFlight = 0;
  #sequence = 0;
  #writing: Promise<boolean> | null = null;
  #scheduled = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Events dropped from the queue since the last successful write. */
  #dropped = 0;
  #failing = false;
  #closed = false;
  #listeners = new Set<(event: SecurityEvent) => void>();
  /** The queued events of `recordOnce()`, by id: told and settled once the store took or refused them. */
  readonly #awaiting = new Map<string, (stored: boolean) => void>();
  readonly #sources: RefusalThrottle | undefined;
  /** The last event a quiet source was not kept for, by source: named in its summary. */
  readonly #lastSuppressed = new Map<string, string>();
  #summaryTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #store: SecurityEventStore | undefined;
  readonly #capacity: number;
  readonly #maxPending: number;
  readonly #batchSize: number;
  readonly #retryMs: number;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => Date,
    options: SecurityEventLogOptions = {},
  ) {
    this.#store = options.store;
    this.#capacity = options.capacity ?? 1000;
    this.#maxPending = options.maxPending ?? 10_000;
    this.#batchSize = options.batchSize ?? 100;
    this.#retryMs = options.retryMs ?? 5000;
    this.#sources = options.sources;
  }

  /** Keeps the event; null when its source is over its budget (counted for the source's summary instead). */
  record(raw: SecurityEventInput): SecurityEvent | null {
    // A NUL or a lone surrogate (from a header or a username) would make PostgreSQL refuse the whole batch,
    // and retry it forever; so would a cut through a surrogate pair.
    const input = replaceBadText(raw);
    const at = this.now();
    if (this.#sources && input.remoteAddress && FROM_SOURCE.has(input.kind)) {
      const verdict = this.#sources.refused(input.remoteAddress, at.getTime());
      // A source dropped from the budget's memory: what it had suppressed is told now or never.
      for (const lost of verdict.forgotten ?? []) this.#summarise(lost);
      if (verdict.quiet) {
        setMostRecent(this.#lastSuppressed, verdict.source, `${input.kind}: ${input.reason}`, 10_000);
        this.logger.debug(input.kind, { event: "security", suppressed: true, ...input });
        if (verdict.summary) this.#summarise(verdict.summary);
        this.#scheduleSummaries();
        return null;
      }
    }
    const event = this.#build(input, at);
    this.#tell(event);
    if (this.#store && !this.#closed) this.#queue(event);
    return event;
  }

  /**
   * Records a station's own event with the id of the CALL that caused it: true once stored (then told: log
   * line, ring, listeners), false when the store holds that CALL's same event already (a retransmission:
   * nothing told). Settles with the write that holds it; `flush()` to wait for that and see a failure (the
   * event then stays queued, and the store still refuses it if its first copy gets there first). Without a
   * store, told at once: true.
   */
  recordOnce(
    raw: SecurityEventInput & { chargePointId: string; messageId: string },
  ): Promise<boolean> {
    const { messageId, ...input } = replaceBadText(raw);
    const event: SecurityEvent = { ...this.#build(input, this.now()), messageId };
    if (!this.#store || this.#closed) {
      this.#tell(event);
      return Promise.resolve(true);
    }
    const settled = new Promise<boolean>((resolve) => this.#awaiting.set(event.id, resolve));
    this.#queue(event);
    return settled;
  }

  /**
   * Takes back the events of a station's CALL (`recordOnce()`) still queued, their promises settled false: its
   * turn failed, so the station hears an error and sends the CALL again, under a new message id, and that
   * turn records them. Kept, each would be stored twice. One in the write under way stays (it may be stored).
   * How many were taken back.
   */
  withdraw(chargePointId: string, messageId: string): number {
    const station = stationIdOf(chargePointId);
    let taken = 0;
    this.#pending = this.#pending.filter((e) => {
      const resolve = e.messageId === messageId && e.chargePointId === station
        ? this.#awaiting.get(e.id)
        : undefined;
      if (!resolve) return true;
      this.#awaiting.delete(e.id);
      resolve(false);
      taken++;
      return false;
    });
    return taken;
  }

  /** Whether the durable log holds this event of a station's CALL (false without a store). */
  hasEventOf(raw: SecurityEventOfMessage): Promise<boolean> {
    if (!this.#store) return Promise.resolve(false);
    const message = replaceBadText(raw);
    return this.#store.hasSecurityEventOf({ ...message, chargePointId: stationIdOf(message.chargePointId) });
  }

  #build(input: SecurityEventInput, at: Date): SecurityEvent {
    return {
      id: securityEventId(at, this.#sequence++),
      at: at.toISOString(),
      kind: input.kind,
      chargePointId: input.chargePointId === undefined || input.chargePointId === null
        ? null
        : stationIdOf(input.chargePointId),
      principal: input.principal?.slice(0, 100).toWellFormed() ?? null,
      remoteAddress: input.remoteAddress ?? null,
      reason: input.reason,
      status: input.status ?? null,
    };
  }

  /** The event's log line, ring entry and listeners. */
  #tell(event: SecurityEvent): void {
    this.#entries.push(event);
    if (this.#entries.length > this.#capacity) this.#entries.shift();
    const fields = { event: "security", ...event };
    if (QUIET.has(event.kind)) this.logger.info(event.kind, fields);
    else this.logger.warn(event.kind, fields);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must never break an auth decision.
      }
    }
  }

  #queue(event: SecurityEvent): void {
    this.#pending.push(event);
    this.#trimPending();
    // Batched: events recorded in the same turn go in one write, after the caller has moved on.
    if (!this.#scheduled && this.#retryTimer === undefined) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#startWriting();
      });
    }
  }

  /** A `recordOnce()` event's fate: told when stored (or never to be: not kept back from the log lines). */
  #settle(event: SecurityEvent, stored: boolean): void {
    const resolve = this.#awaiting.get(event.id);
    if (!resolve) return;
    this.#awaiting.delete(event.id);
    if (stored) this.#tell(event);
    else {
      this.logger.info("security event sent again, stored already", {
        chargePointId: event.chargePointId,
        messageId: event.messageId,
        kind: event.kind,
      });
    }
    resolve(stored);
  }

  /** Hears every event this process records (webhooks); returns the function that unsubscribes. */
  subscribe(listener: (event: SecurityEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Newest first, from the store (after writing what is pending), else from this process's ring. Asks for
   * one more than `limit` to tell whether there is a next page.
   */
  async page(query: SecurityEventQuery): Promise<SecurityEventPage> {
    const wanted = { ...query, limit: query.limit + 1 };
    let items: SecurityEvent[];
    let source: SecurityEventPage["source"] = "store";
    if (this.#store) {
      try {
        await this.flush();
        items = await this.#store.listSecurityEvents(wanted);
      } catch (error) {
        this.logger.error("security events unavailable; listing this process's recent ones", {
          error: String(error),
        });
        items = this.#fromRing(wanted);
        source = "memory";
      }
    } else {
      items = this.#fromRing(wanted);
      source = "memory";
    }
    const more = items.length > query.limit;
    if (more) items = items.slice(0, query.limit);
    return { items, nextCursor: more ? (items.at(-1)?.id ?? null) : null, source };
  }

  /** This process's recent events (the ring), newest first, optionally only some kinds or one station. */
  list(
    options: { limit?: number; kinds?: readonly SecurityEventKind[]; chargePointId?: string } = {},
  ): SecurityEvent[] {
    const out: SecurityEvent[] = [];
    const limit = options.limit ?? this.#capacity;
    for (let i = this.#entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.#entries[i] as SecurityEvent;
      if (options.kinds && !options.kinds.includes(e.kind)) continue;
      if (options.chargePointId !== undefined && e.chargePointId !== options.chargePointId) continue;
      out.push(e);
    }
    return out;
  }

  /** Writes what is pending now; throws when the store fails (the events stay queued). */
  async flush(): Promise<void> {
    if (!this.#store) return;
    while (this.#pending.length > 0 || this.#writing) {
      this.#clearRetry();
      if (!(await this.#write())) {
        this.#scheduleRetry();
        throw new Error(`Cannot store ${this.#pending.length} security events`);
      }
    }
  }

  /** Events not stored yet: queued, or in the write under way. */
  get unstored(): number {
    return this.#pending.length + this.#inFlight;
  }

  /** Stops retrying and writes what is pending, once; a failure is logged (every event is also a log line). */
  async close(): Promise<void> {
    if (this.#closed) return;
    // What the sources' budget held back and no summary told yet: nothing is lost at shutdown.
    clearTimeout(this.#summaryTimer);
    this.#summaryTimer = undefined;
    for (const summary of this.#sources?.dueSummaries(this.now().getTime(), true) ?? []) {
      this.#summarise(summary);
    }
    this.#closed = true;
    this.#clearRetry();
    try {
      await this.flush();
    } catch (error) {
      this.logger.error("security events not stored at shutdown", {
        events: this.#pending.length,
        error: String(error),
      });
      // Their log lines at least, like every other event's.
      for (const e of this.#pending) this.#settle(e, true);
    }
  }

  #summarise(summary: { source: string; suppressed: number }): void {
    const last = this.#lastSuppressed.get(summary.source) ?? "";
    this.#lastSuppressed.delete(summary.source);
    this.record({
      kind: "source_events_suppressed",
      remoteAddress: summary.source,
      reason:
        `${summary.suppressed} security events about this source not kept one by one (over its budget)` +
        `; the last: ${last.slice(0, 200)}`,
    });
  }

  /** The tails of floods that stopped: no later event of their source would report them. */
  #scheduleSummaries(): void {
    if (this.#closed || this.#summaryTimer !== undefined || !this.#sources) return;
    const sources = this.#sources;
    this.#summaryTimer = setTimeout(() => {
      this.#summaryTimer = undefined;
      for (const summary of sources.dueSummaries(this.now().getTime())) this.#summarise(summary);
      if (sources.pending) this.#scheduleSummaries();
    }, sources.summaryEveryMs);
  }

  #startWriting(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    void this.#write().then((ok) => {
      if (!ok) this.#scheduleRetry();
      // Recorded after the writer's last look.
      else if (this.#pending.length > 0) this.#startWriting();
    });
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    this.#retryTimer ??= setTimeout(() => {
      this.#retryTimer = undefined;
      this.#startWriting();
    }, this.#retryMs);
  }

  /** The one writer, started or joined: true when it emptied the queue, false when a write failed. */
  #write(): Promise<boolean> {
    this.#writing ??= this.#drain().finally(() => {
      this.#writing = null;
    });
    return this.#writing;
  }

  /** Writes batches until nothing is pending (true) or a write fails (false). Never throws. */
  async #drain(): Promise<boolean> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#batchSize);
      this.#inFlight = batch.length;
      let refused: ReadonlySet<string>;
      try {
        refused = new Set((await this.#store!.appendSecurityEvents(batch)).refused);
        this.#inFlight = 0;
      } catch (error) {
        this.#inFlight = 0;
        // Back at the front, in order; a retried batch is not stored twice (appendSecurityEvents skips ids).
        this.#pending.unshift(...batch);
        this.#trimPending();
        if (!this.#failing) {
          this.#failing = true;
          this.logger.error("cannot store security events; keeping them queued", {
            pending: this.#pending.length,
            error: String(error),
          });
        }
        return false;
      }
      if (this.#awaiting.size > 0) { for (const e of batch) this.#settle(e, !refused.has(e.id)); }
      if (this.#failing) {
        this.#failing = false;
        this.logger.info("security events stored again", { dropped: this.#dropped });
        this.#dropped = 0;
      }
    }
    return true;
  }

  #trimPending(): void {
    const over = this.#pending.length - this.#maxPending;
    if (over > 0) {
      for (const e of this.#pending.splice(0, over)) this.#settle(e, true);
      this.#dropped += over;
    }
  }

  #clearRetry(): void {
    if (this.#retryTimer !== undefined) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
  }

  #fromRing(query: SecurityEventQuery): SecurityEvent[] {
    const out: SecurityEvent[] = [];
    for (let i = this.#entries.length - 1; i >= 0 && out.length < query.limit; i--) {
      const e = this.#entries[i] as SecurityEvent;
      if (matchesSecurityEventQuery(e, query)) out.push(e);
    }
    return out;
  }
}

/** A station id as the log keeps it: at most 100 code units, well-formed. */
function stationIdOf(chargePointId: string): string {
  return chargePointId.slice(0, 100).toWellFormed();
}

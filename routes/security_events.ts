/**
 * Security events: failed station authentication, refused stations, rate limiting, failed operator logins,
 * security setting changes and certificate checks. Each one is a log line with `event: "security"` and an
 * entry in a bounded in-memory ring the API lists (GET /api/v1/security-events). Never holds a secret.
 *
 * @example
 * ```ts
 * import { createMemoryLogger } from "../logger.ts";
 * const events = new SecurityEventLog(createMemoryLogger(), () => new Date());
 * events.record({ kind: "station_auth_failed", chargePointId: "CP-1", remoteAddress: "10.0.0.9", reason: "Wrong password" });
 * events.list().length; // 1
 * ```
 */
import type { Logger } from "../logger.ts";

export const SECURITY_EVENT_KINDS = [
  "station_auth_failed",
  "station_refused",
  "station_rate_limited",
  "station_flood_closed",
  "certificate_accepted",
  "certificate_rejected",
  "login_failed",
  "login_rate_limited",
  "station_security_changed",
  "station_security_deleted",
] as const;

export type SecurityEventKind = typeof SECURITY_EVENT_KINDS[number];

export interface SecurityEvent {
  at: string;
  kind: SecurityEventKind;
  chargePointId: string | null;
  /** An operator's username (logins) or who changed a setting (`user:alice`). */
  principal: string | null;
  /** The client address (as resolved behind a trusted proxy). */
  remoteAddress: string | null;
  reason: string;
  /** HTTP status answered, when there was one. */
  status: number | null;
}

export type SecurityEventInput = Partial<Omit<SecurityEvent, "at" | "kind" | "reason">> & {
  kind: SecurityEventKind;
  reason: string;
};

const QUIET: ReadonlySet<SecurityEventKind> = new Set([
  "certificate_accepted",
  "station_security_changed",
  "station_security_deleted",
]);

export class SecurityEventLog {
  #entries: SecurityEvent[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly capacity = 1000,
  ) {}

  record(input: SecurityEventInput): SecurityEvent {
    const event: SecurityEvent = {
      at: this.now().toISOString(),
      kind: input.kind,
      chargePointId: input.chargePointId === undefined || input.chargePointId === null
        ? null
        : input.chargePointId.slice(0, 100),
      principal: input.principal?.slice(0, 100) ?? null,
      remoteAddress: input.remoteAddress ?? null,
      reason: input.reason,
      status: input.status ?? null,
    };
    this.#entries.push(event);
    if (this.#entries.length > this.capacity) this.#entries.shift();
    const fields = { event: "security", ...event };
    if (QUIET.has(event.kind)) this.logger.info(event.kind, fields);
    else this.logger.warn(event.kind, fields);
    return event;
  }

  /** Newest first, optionally only some kinds or one station. */
  list(
    options: { limit?: number; kinds?: readonly SecurityEventKind[]; chargePointId?: string } = {},
  ): SecurityEvent[] {
    const out: SecurityEvent[] = [];
    const limit = options.limit ?? this.capacity;
    for (let i = this.#entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.#entries[i] as SecurityEvent;
      if (options.kinds && !options.kinds.includes(e.kind)) continue;
      if (options.chargePointId !== undefined && e.chargePointId !== options.chargePointId) continue;
      out.push(e);
    }
    return out;
  }
}

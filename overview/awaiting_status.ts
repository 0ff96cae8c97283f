/**
 * Whether the dashboard is waiting for a connected station's statuses. A station sends a StatusNotification
 * per connector once its BootNotification is accepted (OCPP 1.6 §4.9, 2.0.1 G01), but a station that just
 * rebooted may take a while (self-tests, its modem, a firmware's first start) and may first send nothing: for
 * `graceMs` after its boot, or after it connected when that is later, it is starting up, and the statuses
 * shown are those from before its boot. Past that without one, it is connected and not reporting: worth an
 * operator's look (its connectors' states are unknown to us while it charges, or not, as it likes).
 *
 * "Reported since its boot" is judged on our clock alone: when we received its last StatusNotification
 * (`statusReceivedAt`) against when we received its boot (`bootedAt`). A station's own times are no help: its
 * clock may have reset with the reboot. A reconnection without a boot does not forget what it reported.
 * Only an Accepted station is waited for: Pending and Rejected ones may send nothing but BootNotification.
 *
 * @example
 * ```ts
 * import { awaitingStatus } from "./awaiting_status.ts";
 * const station = {
 *   online: true,
 *   connectedAt: "2026-01-01T00:00:00.000Z",
 *   record: {
 *     registrationStatus: "Accepted" as const,
 *     bootedAt: "2026-01-01T00:00:01.000Z",
 *     connectors: [],
 *   },
 * };
 * awaitingStatus(station, Date.parse("2026-01-01T00:00:31.000Z"), 120_000);
 * // { since: "2026-01-01T00:00:01.000Z", overdueAt: "2026-01-01T00:02:01.000Z", overdue: false }
 * ```
 */
import type { ConnectorState, EvseConnectorState, LiveRecord } from "../model/charge_point.ts";

/** How long a connected station may take after its boot before its first status, by default (2 minutes). */
export const STATUS_GRACE_MS = 120_000;

export interface AwaitingStatus {
  /** When the wait began: its boot, or its connection when that is later. */
  since: string;
  /** When it is no longer starting up but not reporting: `since` plus the grace. */
  overdueAt: string;
  /** Past `overdueAt`: connected and not reporting. */
  overdue: boolean;
}

export interface WaitedStation {
  online: boolean;
  connectedAt: string | null;
  record: Pick<LiveRecord, "registrationStatus" | "bootedAt" | "statusReceivedAt" | "connectors" | "evses">;
}

/** What the dashboard waits for from `station` at `nowMs`: null when nothing (it reports, or need not). */
export function awaitingStatus(
  station: WaitedStation,
  nowMs: number,
  graceMs: number,
): AwaitingStatus | null {
  const r = station.record;
  if (!station.online || r.registrationStatus !== "Accepted") return null;
  const reportedAt = r.statusReceivedAt ?? legacyReportedAt(r.connectors, r.evses);
  if (reportedAt !== null && (r.bootedAt === null || reportedAt >= r.bootedAt)) return null;
  const since = latest(r.bootedAt, station.connectedAt);
  if (since === null) return null;
  const overdueAtMs = Date.parse(since) + graceMs;
  return { since, overdueAt: new Date(overdueAtMs).toISOString(), overdue: nowMs >= overdueAtMs };
}

/**
 * A record written before `statusReceivedAt` existed: its newest connector report's time stands in for it
 * (the station's clock, or ours for a report without one), a connector only assumed from a transaction not
 * counting. Null when it reported none.
 */
function legacyReportedAt(
  connectors: readonly ConnectorState[],
  evses: readonly EvseConnectorState[] | undefined,
): string | null {
  let newest: string | null = null;
  for (const c of [...connectors, ...(evses ?? [])]) {
    if (c.assumed) continue;
    if (newest === null || c.timestamp > newest) newest = c.timestamp;
  }
  return newest;
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

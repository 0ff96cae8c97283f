/**
 * The pure state machine of a station's connectors (OCPP 1.6 §4.9 StatusNotification). A reported status is
 * always recorded; a transition the spec does not list comes back as an anomaly to log, never a rejection:
 * the station knows its hardware better than we do.
 */
import type { ChargePointStatus } from "../protocol/ocpp16/enums.ts";
import type { ConnectorState } from "./charge_point.ts";

/** Allowed transitions for connectors >= 1, from the table in OCPP 1.6 §4.9. */
const NEXT: Record<ChargePointStatus, readonly ChargePointStatus[]> = {
  Available: ["Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Reserved", "Unavailable", "Faulted"],
  Preparing: ["Available", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Faulted"],
  Charging: ["Available", "SuspendedEV", "SuspendedEVSE", "Finishing", "Unavailable", "Faulted"],
  SuspendedEV: ["Available", "Charging", "SuspendedEVSE", "Finishing", "Unavailable", "Faulted"],
  SuspendedEVSE: ["Available", "Charging", "SuspendedEV", "Finishing", "Unavailable", "Faulted"],
  Finishing: ["Available", "Preparing", "Unavailable", "Faulted"],
  Reserved: ["Available", "Preparing", "Unavailable", "Faulted"],
  Unavailable: ["Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Faulted"],
  Faulted: [
    "Available",
    "Preparing",
    "Charging",
    "SuspendedEV",
    "SuspendedEVSE",
    "Finishing",
    "Reserved",
    "Unavailable",
  ],
};

/** Connector 0 stands for the whole station: only these statuses apply to it. */
const STATION_STATUSES: readonly ChargePointStatus[] = ["Available", "Unavailable", "Faulted"];

export type StatusReport = Omit<ConnectorState, "transactionId">;

export interface StatusApplied {
  connectors: ConnectorState[];
  /** Why this transition is unexpected, or null. */
  anomaly: string | null;
  /** The report is older than the connector's current status: history only, the status stays. */
  stale: boolean;
}

/**
 * A report timed before the status it would replace is history, not news (a queued StatusNotification
 * delivered late, or two sent in a burst arriving out of order): it must not turn a connector back to Faulted.
 * A current status timed in the future (a station clock that jumped ahead) never blocks what follows.
 */
export function isStaleReport(
  reportedAt: string,
  currentAt: string | undefined,
  receivedAt: string,
): boolean {
  return currentAt !== undefined && reportedAt < currentAt && currentAt <= receivedAt;
}

/**
 * @example
 * ```ts
 * const { connectors, anomaly } = applyStatus([], {
 *   connectorId: 1, status: "Available", errorCode: "NoError", timestamp: "2026-01-01T00:00:00.000Z",
 * }, "2026-01-01T00:00:01.000Z");
 * ```
 */
export function applyStatus(
  connectors: readonly ConnectorState[],
  report: StatusReport,
  receivedAt: string,
): StatusApplied {
  const previous = connectors.find((c) => c.connectorId === report.connectorId);
  // Times are compared on the station's clock only: ours (a report without one) may be minutes off it.
  const comparable = !report.untimed && !previous?.untimed;
  if (comparable && isStaleReport(report.timestamp, previous?.timestamp, receivedAt)) {
    return { connectors: [...connectors], anomaly: null, stale: true };
  }
  const anomaly = findAnomaly(previous?.status ?? null, report);
  const next: ConnectorState = { ...report };
  if (previous?.transactionId !== undefined) next.transactionId = previous.transactionId;
  return { connectors: upsert(connectors, next), anomaly, stale: false };
}

/**
 * Marks a transaction as active on a connector; one never reported gets an assumed Charging entry (the first
 * StatusNotification replaces it).
 */
export function attachTransaction(
  connectors: readonly ConnectorState[],
  connectorId: number,
  transactionId: number,
  timestamp: string,
): ConnectorState[] {
  const previous = connectors.find((c) => c.connectorId === connectorId);
  const next: ConnectorState = previous
    ? { ...previous, transactionId }
    : { connectorId, status: "Charging", errorCode: "NoError", timestamp, transactionId, assumed: true };
  return upsert(connectors, next);
}

/**
 * Clears a transaction from whichever connector holds it. A connector only assumed Charging for it is unknown
 * again: nothing says what it is now.
 */
export function detachTransaction(
  connectors: readonly ConnectorState[],
  transactionId: number,
): ConnectorState[] {
  const out: ConnectorState[] = [];
  for (const c of connectors) {
    if (c.transactionId !== transactionId) out.push(c);
    else if (!c.assumed) {
      const { transactionId: _, ...rest } = c;
      out.push(rest);
    }
  }
  return out;
}

function findAnomaly(previous: ChargePointStatus | null, report: StatusReport): string | null {
  if (report.connectorId === 0 && !STATION_STATUSES.includes(report.status)) {
    return `Status "${report.status}" is not defined for connector 0`;
  }
  if (previous === null || previous === report.status || report.connectorId === 0) return null;
  if (NEXT[previous].includes(report.status)) return null;
  return `Unexpected transition "${previous}" -> "${report.status}" on connector ${report.connectorId}`;
}

function upsert(connectors: readonly ConnectorState[], next: ConnectorState): ConnectorState[] {
  const others = connectors.filter((c) => c.connectorId !== next.connectorId);
  return [...others, next].sort((a, b) => a.connectorId - b.connectorId);
}

/**
 * What the dashboard shows for a connector: what the station reported while it is connected, and "Unknown"
 * once it is not (the last report is kept, and since when it is unknown). Shared by the overview's domain code
 * and the components, so a filter and a chip never disagree.
 *
 * @example
 * ```ts
 * shownStatus({ status: "Available" }, false); // "Unknown"
 * ```
 */

import type { ConnectorState, EvseConnectorState, LiveRecord } from "../model/charge_point.ts";
import { CHARGE_POINT_STATUSES, type ChargePointStatus } from "../protocol/ocpp16/enums.ts";

/** Not reported by the station: it is offline, so its last report may no longer hold. */
export const UNKNOWN = "Unknown";

/** The statuses a connector filter offers, in the order of a charging session, "Unknown" last. */
export const FILTER_STATUSES = [...CHARGE_POINT_STATUSES, UNKNOWN] as const;

export type ShownStatus = typeof FILTER_STATUSES[number];

export function shownStatus(connector: { status: string }, online: boolean): string {
  return online ? connector.status : UNKNOWN;
}

/** A connector counts as in use while a session runs on it (Preparing and Finishing do not). */
export function inUse(connector: { status: string; transactionId?: number | undefined }): boolean {
  return connector.transactionId !== undefined || connector.status === "Charging" ||
    connector.status === "SuspendedEV" || connector.status === "SuspendedEVSE";
}

/** The station says a car is on the connector in a session (2.0.1: Occupied), whatever we hold for it. */
export function reportsSession(connector: { status: string }): boolean {
  return SESSION_STATUSES.has(connector.status);
}

const SESSION_STATUSES = new Set(["Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Occupied"]);

/** A connector that could take a car now, or is charging one: not Faulted, not Unavailable. */
export function operative(connector: { status: string }): boolean {
  return connector.status !== "Faulted" && connector.status !== "Unavailable";
}

/** The 2.0.1 connector statuses an EVSE's chip shows, most telling first (a Faulted connector faults it). */
const EVSE_PRECEDENCE = ["Faulted", "Occupied", "Reserved", "Unavailable", "Available"];

/**
 * What the overview shows and counts for a station: its 1.6 connectors, or, for a station that speaks 2.0.1,
 * one entry per EVSE (`connectorId` its EVSE id) in 1.6's words, so chips, filters and KPIs treat both
 * dialects alike. A 2.0.1 station reports no 1.6 connectors, and those a station reported before it moved
 * to 2.0.1 no longer describe it. An EVSE takes its connectors' most telling status; Occupied is Charging
 * while a running session (`sessionOf`: the ledger id of the station's transaction id) is open on it, and
 * Preparing (a car plugged in, no session) otherwise.
 *
 * @example
 * ```ts
 * const record = {
 *   connectors: [],
 *   ocppVersion: "ocpp2.0.1",
 *   evses: [{ evseId: 1, connectorId: 1, status: "Faulted", timestamp: "2026-01-01T00:00:00Z" }],
 * };
 * pointsOfCharge(record, () => undefined)[0]?.status; // "Faulted"
 * ```
 */
export function pointsOfCharge(
  record: Pick<LiveRecord, "connectors" | "ocppVersion" | "evses">,
  sessionOf: (stationTransactionId: string) => number | undefined,
): ConnectorState[] {
  if (record.ocppVersion !== "ocpp2.0.1") return record.connectors;
  const byEvse = new Map<number, EvseConnectorState[]>();
  for (const e of record.evses ?? []) {
    if (e.evseId === 0) continue;
    byEvse.set(e.evseId, [...(byEvse.get(e.evseId) ?? []), e]);
  }
  return [...byEvse.entries()].sort(([a], [b]) => a - b).map(([evseId, connectors]) => {
    const rank = (s: string) => {
      const at = EVSE_PRECEDENCE.indexOf(s);
      return at < 0 ? EVSE_PRECEDENCE.length : at;
    };
    const worst = connectors.reduce((a, b) => (rank(b.status) < rank(a.status) ? b : a));
    const open = connectors.find((c) => c.transactionId !== undefined)?.transactionId;
    const transactionId = open === undefined ? undefined : sessionOf(open);
    const status: ChargePointStatus = worst.status === "Occupied"
      ? (transactionId !== undefined ? "Charging" : "Preparing")
      : (CHARGE_POINT_STATUSES as readonly string[]).includes(worst.status)
      ? worst.status as ChargePointStatus
      : "Unavailable";
    const point: ConnectorState = {
      connectorId: evseId,
      status,
      errorCode: "NoError",
      timestamp: worst.timestamp,
    };
    if (transactionId !== undefined) point.transactionId = transactionId;
    return point;
  });
}

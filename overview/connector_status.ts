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

import { CHARGE_POINT_STATUSES } from "../protocol/ocpp16/enums.ts";

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

import type { StatusNotificationRequest as StatusNotification201 } from "../protocol/ocpp201/status_notification.ts";
import type { ChargePointErrorCode, ChargePointStatus } from "../protocol/ocpp16/enums.ts";
import type { ConnectorState } from "./charge_point.ts";
import { toUtcIso } from "../protocol/ocppj/time.ts";

/**
 * One StatusNotification as received: the connector's reported state (without our transaction link), kept
 * beside the snapshot as the connector's history. A 1.6 report names a connector and has an error code; a
 * 2.0.1 report names the connector of an EVSE (`evseId`) and has no error code.
 *
 * Stored once per report: an entry with the same station, EVSE, connector, station's timestamp, status, error
 * code, info, vendorId and vendorErrorCode as one stored is a copy (a StatusNotification sent again after its
 * answer was late or lost), which both stores leave out (KV `statusReportKey`, PostgreSQL's unique index
 * `status_history_report`, migration 054). Only `receivedAt` may differ: a report is the station's words.
 *
 * A 1.6 report without a timestamp has ours (`receivedAt`) in its place, different for every copy: it is
 * named by the CALL that carried it instead (`callId`, its message id), and a report with the same CALL's id
 * and the same words received within `UNTIMED_COPY_WINDOW_MS` of the first is a copy (the station sent the
 * CALL again). The window keeps a station that numbers its messages afresh on each connection (the same id
 * again a day later) from losing a report; and the name holds the station's last boot (`bootedAt`), as one
 * that reboots numbers them afresh too, often within minutes (a fault cured by a reboot: its Available under
 * the id of the Available before the fault was taken for a copy, and the history ended Faulted). A station
 * that boots on every new connection has a copy sent again after one stored twice: the safe side. A copy sent
 * under a new message id cannot be told from a report made again, and is stored: the same words again within
 * a short window are often a new report (the answer to an operator's TriggerMessage StatusNotification, a
 * connector Faulted again after an Available report that was lost), and merging them would drop what the
 * station said; a copy costs one row.
 */
export type StatusHistoryEntry =
  & Omit<ConnectorState, "transactionId" | "status" | "errorCode">
  & {
    chargePointId: string;
    /** OCPP 2.0.1: the EVSE whose connector `connectorId` is; absent for 1.6. */
    evseId?: number;
    status: ChargePointStatus | StatusNotification201["connectorStatus"];
    /** OCPP 1.6 only. */
    errorCode?: ChargePointErrorCode;
    receivedAt: string;
    /** For a report the station sent without a timestamp (1.6), its identity: `untimedReportName`. */
    callId?: string;
  };

/**
 * The name of a report sent without a timestamp: its CALL's message id, after the station's last boot (our
 * time of it, none when it never booted) that the CALL came after.
 */
export function untimedReportName(messageId: string, bootedAt: string | null): string {
  return bootedAt === null ? messageId : `${bootedAt} ${messageId}`;
}

/** How long after a timestampless report a CALL with its message id and words is a copy of it, in ms. */
export const UNTIMED_COPY_WINDOW_MS = 10 * 60_000;

/** Whether `entry`, a report named by its CALL, is a copy of the one with the same name received at `firstAt`. */
export function isUntimedCopy(entry: StatusHistoryEntry, firstAt: string): boolean {
  const since = Date.parse(entry.receivedAt) - Date.parse(firstAt);
  return since >= 0 && since < UNTIMED_COPY_WINDOW_MS;
}

/**
 * `entry` with its times as every store keeps and gives them back: ISO 8601 UTC with milliseconds (what the API
 * documents, and what a cursor sent back holds), a finer fraction cut off and an offset taken out. Without it
 * PostgreSQL kept microseconds (ordering, paging and telling copies by a time no reader sees) and KV the text
 * as given (ordering by its spelling). Throws a RangeError for a time that is none, as PostgreSQL refuses it.
 *
 * @example
 * ```ts
 * import { statusEntryInUtcMs } from "./status_history.ts";
 * const entry = {
 *   chargePointId: "CP-1",
 *   connectorId: 1,
 *   status: "Available" as const,
 *   timestamp: "2026-01-01T02:00:00.123456+02:00",
 *   receivedAt: "2026-01-01T00:00:01Z",
 * };
 * statusEntryInUtcMs(entry).timestamp; // "2026-01-01T00:00:00.123Z"
 * ```
 */
export function statusEntryInUtcMs(entry: StatusHistoryEntry): StatusHistoryEntry {
  const timestamp = toUtcIso(entry.timestamp);
  const receivedAt = toUtcIso(entry.receivedAt);
  // What the actors write is canonical already: the same object, no copy.
  if (timestamp === entry.timestamp && receivedAt === entry.receivedAt) return entry;
  return { ...entry, timestamp, receivedAt };
}

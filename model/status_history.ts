import type { StatusNotificationRequest as StatusNotification201 } from "../protocol/ocpp201/status_notification.ts";
import type { ChargePointErrorCode, ChargePointStatus } from "../protocol/ocpp16/enums.ts";
import type { ConnectorState } from "./charge_point.ts";

/**
 * One StatusNotification as received: the connector's reported state (without our transaction link), kept
 * beside the snapshot as the connector's history. A 1.6 report names a connector and has an error code; a
 * 2.0.1 report names the connector of an EVSE (`evseId`) and has no error code.
 *
 * Stored once per report: an entry with the same station, EVSE, connector, station's timestamp, status, error
 * code, info, vendorId and vendorErrorCode as one stored is a copy (a StatusNotification sent again after its
 * answer was late or lost), which both stores leave out (KV `statusReportKey`, PostgreSQL's unique index
 * `status_history_report`, migration 054). Only `receivedAt` may differ: a report is the station's words.
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
  };

import type { ChargePointErrorCode, ChargePointStatus } from "../protocol/ocpp16/enums.ts";

/** One StatusNotification as received: the history of a connector, kept beside the snapshot. */
export interface StatusHistoryEntry {
  chargePointId: string;
  connectorId: number;
  status: ChargePointStatus;
  errorCode: ChargePointErrorCode;
  info?: string;
  vendorId?: string;
  vendorErrorCode?: string;
  timestamp: string;
  receivedAt: string;
}

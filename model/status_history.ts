import type { ConnectorState } from "./charge_point.ts";

/**
 * One StatusNotification as received: the connector's reported state (without our transaction link), kept
 * beside the snapshot as the connector's history.
 */
export type StatusHistoryEntry = Omit<ConnectorState, "transactionId"> & {
  chargePointId: string;
  receivedAt: string;
};

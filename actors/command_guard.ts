/**
 * Our own commands are checked against what we know of the station before they are sent: a reported status
 * is never refused, but we do not ask a Faulted connector to start charging unless the operator insists.
 */
import type { CsToCpAction, RequestOf } from "../protocol/ocpp16/mod.ts";
import type { ChargePointRecord } from "../store/store.ts";

const NOT_STARTABLE = new Set(["Faulted", "Unavailable"]);

/** Why the command should not be sent, or null. */
export function refuseCommand(
  record: ChargePointRecord | null,
  action: CsToCpAction,
  request: unknown,
): string | null {
  if (!record || action !== "RemoteStartTransaction") return null;
  const { connectorId } = request as RequestOf<"RemoteStartTransaction">;
  if (connectorId === undefined) return null;
  const connector = record.connectors.find((c) => c.connectorId === connectorId);
  if (connector && NOT_STARTABLE.has(connector.status)) {
    return `connector ${connectorId} is ${connector.status}`;
  }
  if (connector?.transactionId !== undefined) {
    return `connector ${connectorId} already has transaction ${connector.transactionId}`;
  }
  return null;
}

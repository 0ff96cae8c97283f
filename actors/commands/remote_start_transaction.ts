import { ACCEPTED_STATIONS_ONLY, type Command } from "./command.ts";

const NOT_STARTABLE = new Set(["Faulted", "Unavailable"]);

/**
 * OCPP 1.6 §5.11. Only to an Accepted station (§4.2.1). Refused (unless forced) when the connector is Faulted
 * or Unavailable, or already has a transaction: the station would only reject it; and when its idTag would
 * not be Accepted here (the station's start would be told so).
 */
export const remoteStartTransaction: Command<"RemoteStartTransaction"> = {
  only: ACCEPTED_STATIONS_ONLY,
  guard(state, request) {
    const { connectorId } = request;
    if (connectorId === undefined) return null;
    const connector = state.connectors.find((c) => c.connectorId === connectorId);
    if (connector && NOT_STARTABLE.has(connector.status)) {
      return `connector ${connectorId} is ${connector.status}`;
    }
    if (connector?.transactionId !== undefined) {
      return `connector ${connectorId} already has transaction ${connector.transactionId}`;
    }
    return null;
  },
  presents: (request) => ({
    idTag: request.idTag,
    ...(request.connectorId !== undefined ? { connectorId: request.connectorId } : {}),
  }),
};

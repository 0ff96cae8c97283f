import type { Command } from "./command.ts";
import { unknownConnector } from "../../model/known_connector.ts";

/**
 * OCPP 1.6 §5.2. Scheduled means "after the running transaction(s)": remembered until it takes effect; any
 * other answer clears what was scheduled for the connector. Refused (unless forced) for a connector the
 * station has not reported: it would only reject it (or worse, we would remember it Scheduled).
 */
export const changeAvailability: Command<"ChangeAvailability"> = {
  guard: (state, { connectorId }) =>
    unknownConnector(state.connectors.map((c) => c.connectorId), connectorId, "connector"),
  effect(state, request, response, at) {
    const others = (state.scheduledAvailability ?? []).filter((s) => s.connectorId !== request.connectorId);
    return {
      scheduledAvailability: response.status === "Scheduled"
        ? [...others, { connectorId: request.connectorId, type: request.type, requestedAt: at }]
        : others,
    };
  },
};

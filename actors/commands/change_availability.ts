import type { Command } from "./command.ts";

/**
 * OCPP 1.6 §5.2. Scheduled means "after the running transaction(s)": remembered until it takes effect; any
 * other answer clears what was scheduled for the connector.
 */
export const changeAvailability: Command<"ChangeAvailability"> = {
  effect(state, request, response, at) {
    const others = (state.scheduledAvailability ?? []).filter((s) => s.connectorId !== request.connectorId);
    return {
      scheduledAvailability: response.status === "Scheduled"
        ? [...others, { connectorId: request.connectorId, type: request.type, requestedAt: at }]
        : others,
    };
  },
};

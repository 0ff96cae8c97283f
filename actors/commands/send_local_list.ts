import type { Command } from "./command.ts";

/** OCPP 1.6 §5.15: an accepted list is the station's version now. */
export const sendLocalList: Command<"SendLocalList"> = {
  effect: (_state, request, response) =>
    response.status === "Accepted" ? { localListVersion: request.listVersion } : null,
};

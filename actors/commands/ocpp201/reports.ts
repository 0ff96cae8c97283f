import type { Command201 } from "./command.ts";

/**
 * OCPP 2.0.1 B07/B08: an accepted report request is answered by NotifyReport CALLs, which a Pending station
 * may then send (B02.FR.01: the CSMS may retrieve a Pending station's information; it answers).
 */
const reportAsked = (response: { status: string }) => response.status === "Accepted" ? ["NotifyReport"] : [];

export const getBaseReport: Command201<"GetBaseReport"> = {
  triggers: (_request, response) => reportAsked(response),
};

export const getReport: Command201<"GetReport"> = {
  triggers: (_request, response) => reportAsked(response),
};

import type { Command } from "./command.ts";

/**
 * OCPP 1.6 §5.17: no guard; the answer teaches the snapshot nothing we keep. An accepted trigger asks for
 * the requested message, which a Pending station may then send (§4.2.1: the Central System may ask a Pending
 * station for information).
 */
export const triggerMessage: Command<"TriggerMessage"> = {
  triggers: (request, response) => response.status === "Accepted" ? [request.requestedMessage] : [],
};

import { ACCEPTED_STATIONS_ONLY, type Command } from "./command.ts";

/**
 * OCPP 1.6 §5.12: only to an Accepted station (§4.2.1). Refused (unless forced) when no connector of the
 * station runs that transaction as far as we know: the station would only reject it. Forced, it still goes
 * out (a session closed here by hand that the station still runs).
 */
export const remoteStopTransaction: Command<"RemoteStopTransaction"> = {
  only: ACCEPTED_STATIONS_ONLY,
  guard(state, { transactionId }) {
    if (state.connectors.some((c) => c.transactionId === transactionId)) return null;
    return `transaction ${transactionId} is not running at this station as far as we know`;
  },
};

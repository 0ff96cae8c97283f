import { ACCEPTED_STATIONS_ONLY } from "../command.ts";
import type { Command201 } from "./command.ts";

/**
 * OCPP 2.0.1 F03: only to an Accepted station (B02). Refused (unless forced) when no EVSE of the station has
 * that transaction open as far as we know, as RemoteStopTransaction in 1.6.
 */
export const requestStopTransaction: Command201<"RequestStopTransaction"> = {
  only: ACCEPTED_STATIONS_ONLY,
  guard(state, { transactionId }) {
    if ((state.evses ?? []).some((c) => c.transactionId === transactionId)) return null;
    return `transaction "${transactionId}" is not open at this station as far as we know`;
  },
};

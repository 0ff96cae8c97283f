import { ACCEPTED_STATIONS_ONLY } from "../command.ts";
import type { Command201 } from "./command.ts";

const NOT_STARTABLE = new Set(["Faulted", "Unavailable"]);

/**
 * OCPP 2.0.1 F01-F02: not sent to an EVSE whose every connector is Faulted or Unavailable, or that already
 * has a transaction open, or for an idToken that would not be Accepted here, unless forced (as
 * RemoteStartTransaction in 1.6); only to an Accepted station (B02).
 */
export const requestStartTransaction: Command201<"RequestStartTransaction"> = {
  only: ACCEPTED_STATIONS_ONLY,
  guard(state, request) {
    const { evseId } = request;
    if (evseId === undefined) return null;
    const connectors = (state.evses ?? []).filter((e) => e.evseId === evseId);
    if (connectors.length > 0 && connectors.every((c) => NOT_STARTABLE.has(c.status))) {
      return `EVSE ${evseId} is ${connectors.map((c) => c.status).join("/")}`;
    }
    const open = connectors.find((c) => c.transactionId !== undefined)?.transactionId;
    if (open !== undefined) return `EVSE ${evseId} already has transaction "${open}"`;
    return null;
  },
  // A NoAuthorization token is not checked when the station presents it either.
  // The EVSE stands where 1.6's connector does for the reservation rules.
  presents: ({ idToken, evseId }) =>
    idToken.type === "NoAuthorization" ? null : {
      idTag: idToken.idToken,
      idTokenType: idToken.type,
      ...(evseId !== undefined ? { connectorId: evseId } : {}),
    },
};

import { unknownConnector } from "../../../model/known_connector.ts";
import type { Command201 } from "./command.ts";

/**
 * OCPP 2.0.1 G03. Refused (unless forced) for an EVSE the station has not reported (its status
 * notifications): it would only reject it. Without an EVSE it is the whole station's.
 */
export const changeAvailability201: Command201<"ChangeAvailability"> = {
  guard: (state, { evse }) =>
    evse === undefined ? null : unknownConnector((state.evses ?? []).map((e) => e.evseId), evse.id, "EVSE"),
};

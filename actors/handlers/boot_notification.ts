import type { BootInfo } from "../../model/charge_point.ts";
import { bootDecision } from "./boot.ts";
import type { Handler } from "./handler.ts";

/**
 * OCPP 1.6 §4.2. A station we accepted before stays Accepted; any other gets the registration policy's
 * answer. Pending/Rejected stations are told to retry after `bootRetryIntervalS` (see `bootDecision`). 1.6
 * says no reason: a boot is triggered when we asked for it (`ctx.triggered`: a TriggerMessage the station
 * accepted on this connection, or is answering), and then not a reboot.
 */
export const bootNotification: Handler<"BootNotification"> = (state, request, ctx) => {
  // zod leaves absent optional fields absent, so the request is a BootInfo as is.
  const triggered = ctx.triggered === true;
  const decision = bootDecision(state, { ...request } as BootInfo, ctx, triggered);
  return {
    ...decision,
    log: [{
      level: "info",
      msg: "boot notification",
      fields: { registrationStatus: decision.response.status, vendor: request.chargePointVendor, triggered },
    }],
  };
};

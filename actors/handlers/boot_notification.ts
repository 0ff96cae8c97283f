import type { BootInfo, SnapshotPatch } from "../../model/charge_point.ts";
import type { RegistrationStatus } from "../../protocol/ocpp16/enums.ts";
import type { Handler } from "./handler.ts";

/**
 * OCPP 1.6 §4.2. A station we accepted before stays Accepted; any other gets the registration policy's
 * answer. Pending/Rejected stations are told to retry after `bootRetryIntervalS`.
 */
export const bootNotification: Handler<"BootNotification"> = (state, request, ctx) => {
  const { settings } = ctx;
  const status: RegistrationStatus = state.registrationStatus === "Accepted"
    ? "Accepted"
    : settings.registrationPolicy;
  const at = ctx.now.toISOString();
  // zod leaves absent optional fields absent, so the request is a BootInfo as is.
  const snapshot: SnapshotPatch = { boot: { ...request } as BootInfo, bootedAt: at };
  // The registration is the operator's field: written only when the boot changes it.
  if (status !== state.registrationStatus) snapshot.registrationStatus = status;
  return {
    response: {
      status,
      currentTime: at,
      interval: status === "Accepted" ? settings.heartbeatIntervalS : settings.bootRetryIntervalS,
    },
    changes: { snapshot },
    events: [{ type: "boot", chargePointId: ctx.chargePointId, at, registrationStatus: status }],
    log: [{
      level: "info",
      msg: "boot notification",
      fields: { registrationStatus: status, vendor: request.chargePointVendor },
    }],
  };
};

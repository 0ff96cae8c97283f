import type { RegistrationStatus } from "../../protocol/ocpp16/enums.ts";
import type { BootInfo } from "../../store/store.ts";
import type { Handler } from "./handler.ts";

/**
 * OCPP 1.6 §4.2. A station we accepted before stays Accepted; any other gets the registration policy's
 * answer. Pending/Rejected stations are told to retry after `bootRetryIntervalS`.
 */
export const bootNotification: Handler<"BootNotification"> = async (ctx, request) => {
  const { settings } = ctx.deps;
  const status: RegistrationStatus = ctx.record.registrationStatus === "Accepted"
    ? "Accepted"
    : settings.registrationPolicy;
  const at = ctx.receivedAt.toISOString();
  // zod leaves absent optional fields absent, so the request is a BootInfo as is.
  ctx.record.boot = { ...request } as BootInfo;
  ctx.record.bootedAt = at;
  ctx.record.registrationStatus = status;
  ctx.record.lastSeen = at;
  await ctx.save();
  ctx.log.info("boot notification", { registrationStatus: status, vendor: request.chargePointVendor });
  ctx.deps.events.publish({ type: "boot", chargePointId: ctx.chargePointId, at, registrationStatus: status });
  return {
    status,
    currentTime: at,
    interval: status === "Accepted" ? settings.heartbeatIntervalS : settings.bootRetryIntervalS,
  };
};

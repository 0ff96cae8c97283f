/**
 * The registration decision both dialects' BootNotification make (OCPP 1.6 §4.2, OCPP 2.0.1 B01-B04): a
 * station we accepted before stays Accepted, one an operator rejected stays Rejected, any other gets the
 * registration policy's answer, and Pending/Rejected stations are told to retry after `bootRetryIntervalS`.
 * The station's identity is kept as a `BootInfo` either way. A boot we asked for (`triggered`: a
 * TriggerMessage) is not a reboot: `bootedAt` stays, so uptime and "open across a reboot" stay true.
 */
import { isoString } from "../../protocol/ocppj/time.ts";
import type { BootInfo, LiveRecord, SnapshotPatch } from "../../model/charge_point.ts";
import type { RegistrationStatus } from "../../protocol/ocpp16/enums.ts";
import type { StationEvent } from "../events.ts";
import type { Changes, HandlerContext } from "./handler.ts";

export function bootDecision(
  state: Readonly<LiveRecord>,
  boot: BootInfo,
  ctx: HandlerContext,
  triggered: boolean,
): {
  response: { status: RegistrationStatus; currentTime: string; interval: number };
  changes: Changes;
  events: StationEvent[];
} {
  const { settings } = ctx;
  // Accepted and Rejected are decisions (an operator's, or an earlier boot's acceptance): a boot keeps them,
  // and an operator's Pending (held). The policy answers the rest: a new station, or one the policy held.
  const stored = state.registrationStatus;
  const decided = stored === "Accepted" || stored === "Rejected" ||
    (stored === "Pending" && state.registrationHeld === true);
  const status: RegistrationStatus = decided ? stored : settings.registrationPolicy;
  const at = isoString(ctx.now);
  const snapshot: SnapshotPatch = triggered ? { boot } : { boot, bootedAt: at };
  // The registration is the operator's field: written only when the boot changes it.
  if (status !== state.registrationStatus) snapshot.registrationStatus = status;
  return {
    response: {
      status,
      currentTime: at,
      interval: status === "Accepted" ? settings.heartbeatIntervalS : settings.bootRetryIntervalS,
    },
    changes: { snapshot },
    events: [{
      type: "boot",
      chargePointId: ctx.chargePointId,
      at,
      registrationStatus: status,
      ...(triggered ? { triggered: true as const } : {}),
    }],
  };
}

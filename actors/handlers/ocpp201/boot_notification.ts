import type { BootInfo, SnapshotPatch } from "../../../model/charge_point.ts";
import type { RegistrationStatus } from "../../../protocol/ocpp16/enums.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 B01-B04, with the same registration policy as OCPP 1.6: a station we accepted before stays
 * Accepted, any other gets the policy's answer (Pending/Rejected are told when to retry). The station's
 * identity is kept in the same shape as a 1.6 boot, with the boot reason.
 */
export const bootNotification: Handler201<"BootNotification"> = (state, request, ctx) => {
  const { settings } = ctx;
  const status: RegistrationStatus = state.registrationStatus === "Accepted"
    ? "Accepted"
    : settings.registrationPolicy;
  const at = ctx.now.toISOString();
  const station = request.chargingStation;
  const boot: BootInfo = {
    chargePointVendor: station.vendorName,
    chargePointModel: station.model,
    reason: request.reason,
  };
  if (station.serialNumber !== undefined) boot.chargePointSerialNumber = station.serialNumber;
  if (station.firmwareVersion !== undefined) boot.firmwareVersion = station.firmwareVersion;
  if (station.modem?.iccid !== undefined) boot.iccid = station.modem.iccid;
  if (station.modem?.imsi !== undefined) boot.imsi = station.modem.imsi;
  const snapshot: SnapshotPatch = { boot, bootedAt: at };
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
      fields: { registrationStatus: status, vendor: station.vendorName, reason: request.reason },
    }],
  };
};

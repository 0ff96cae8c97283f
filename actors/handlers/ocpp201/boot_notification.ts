import type { BootInfo } from "../../../model/charge_point.ts";
import { bootDecision } from "../boot.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 B01-B04, with the same registration policy as OCPP 1.6: a station we accepted before stays
 * Accepted, any other gets the policy's answer (Pending/Rejected are told when to retry). The station's
 * identity is kept in the same shape as a 1.6 boot, with the boot reason. The reason `Triggered` (and only
 * it: F06, a TriggerMessage) is not a reboot: `bootedAt` stays.
 */
export const bootNotification: Handler201<"BootNotification"> = (state, request, ctx) => {
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
  const decision = bootDecision(state, boot, ctx, request.reason === "Triggered");
  return {
    ...decision,
    log: [{
      level: "info",
      msg: "boot notification",
      fields: {
        registrationStatus: decision.response.status,
        vendor: station.vendorName,
        reason: request.reason,
      },
    }],
  };
};

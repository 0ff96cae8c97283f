/**
 * BootNotification, sent by the Charge Point (OCPP 1.6 §4.2).
 * The schemas mirror `urn:BootNotification.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { REGISTRATION_STATUSES } from "./enums.ts";
import { dateTime, integer } from "../ocppj/json_schema.ts";
import { CiString20, CiString25, CiString50 } from "./common.ts";

export const BootNotificationRequest = z.strictObject({
  chargePointVendor: CiString20,
  chargePointModel: CiString20,
  chargePointSerialNumber: CiString25.optional(),
  chargeBoxSerialNumber: CiString25.optional(),
  firmwareVersion: CiString50.optional(),
  iccid: CiString20.optional(),
  imsi: CiString20.optional(),
  meterType: CiString25.optional(),
  meterSerialNumber: CiString25.optional(),
});
export type BootNotificationRequest = z.infer<typeof BootNotificationRequest>;

export const BootNotificationResponse = z.strictObject({
  status: z.enum(REGISTRATION_STATUSES),
  currentTime: dateTime,
  /** Heartbeat interval in seconds (or retry delay when not Accepted). */
  interval: integer,
});
export type BootNotificationResponse = z.infer<typeof BootNotificationResponse>;

export const BootNotification = {
  summary:
    "Announce the Charge Point after a (re)start; the answer registers it and sets the heartbeat interval",
  directions: { CpToCs: "OCPP 1.6 §4.2" },
  request: BootNotificationRequest,
  response: BootNotificationResponse,
} as const satisfies ActionDefinition;

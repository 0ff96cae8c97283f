/**
 * OCPP 1.6 §6 BootNotification, sent by the Charge Point to the Central System.
 * Mirrors `urn:BootNotification.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { REGISTRATION_STATUSES } from "./enums.ts";
import { CiString20, CiString25, CiString50, dateTime, integer } from "./common.ts";

export const BootNotificationRequest = z.object({
  chargePointVendor: CiString20,
  chargePointModel: CiString20,
  chargePointSerialNumber: CiString25.optional(),
  chargeBoxSerialNumber: CiString25.optional(),
  firmwareVersion: CiString50.optional(),
  iccid: CiString20.optional(),
  imsi: CiString20.optional(),
  meterType: CiString25.optional(),
  meterSerialNumber: CiString25.optional(),
}).strict();
export type BootNotificationRequest = z.infer<typeof BootNotificationRequest>;

export const BootNotificationResponse = z.object({
  status: z.enum(REGISTRATION_STATUSES),
  currentTime: dateTime,
  /** Heartbeat interval in seconds (or retry delay when not Accepted). */
  interval: integer,
}).strict();
export type BootNotificationResponse = z.infer<typeof BootNotificationResponse>;

/**
 * OCPP 1.6 §6 GetCompositeSchedule, sent by the Central System to the Charge Point.
 * Mirrors `urn:GetCompositeSchedule.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { CHARGING_RATE_UNITS, GENERIC_STATUSES } from "./enums.ts";
import { dateTime, integer } from "../ocppj/json_schema.ts";
import { ChargingSchedule } from "./common.ts";

export const GetCompositeScheduleRequest = z.strictObject({
  connectorId: integer,
  /** Seconds. */
  duration: integer,
  chargingRateUnit: z.enum(CHARGING_RATE_UNITS).optional(),
});
export type GetCompositeScheduleRequest = z.infer<typeof GetCompositeScheduleRequest>;

export const GetCompositeScheduleResponse = z.strictObject({
  status: z.enum(GENERIC_STATUSES),
  connectorId: integer.optional(),
  scheduleStart: dateTime.optional(),
  chargingSchedule: ChargingSchedule.optional(),
});
export type GetCompositeScheduleResponse = z.infer<typeof GetCompositeScheduleResponse>;

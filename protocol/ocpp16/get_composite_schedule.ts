/**
 * GetCompositeSchedule, sent by the Central System (OCPP 1.6 §5.7).
 * The schemas mirror `urn:GetCompositeSchedule.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
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

export const GetCompositeSchedule = {
  summary: "Ask for the composite charging schedule of a connector",
  directions: { CsToCp: "OCPP 1.6 §5.7" },
  request: GetCompositeScheduleRequest,
  response: GetCompositeScheduleResponse,
} as const satisfies ActionDefinition;

/**
 * MeterValues, sent by the Charge Point (OCPP 1.6 §4.7).
 * The schemas mirror `urn:MeterValues.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { integer } from "../ocppj/json_schema.ts";
import { MeterValue } from "./common.ts";

export const MeterValuesRequest = z.strictObject({
  connectorId: integer,
  transactionId: integer.optional(),
  meterValue: z.array(MeterValue),
});
export type MeterValuesRequest = z.infer<typeof MeterValuesRequest>;

export const MeterValuesResponse = z.strictObject({});
export type MeterValuesResponse = z.infer<typeof MeterValuesResponse>;

export const MeterValues = {
  summary: "Report meter readings of a connector, within a transaction or not",
  directions: { CpToCs: "OCPP 1.6 §4.7" },
  request: MeterValuesRequest,
  response: MeterValuesResponse,
} as const satisfies ActionDefinition;

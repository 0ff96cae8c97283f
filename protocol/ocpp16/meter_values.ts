/**
 * OCPP 1.6 §6 MeterValues, sent by the Charge Point to the Central System.
 * Mirrors `urn:MeterValues.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
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

/**
 * Heartbeat, sent by the Charge Point (OCPP 1.6 §4.6).
 * The schemas mirror `urn:Heartbeat.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { dateTime } from "../ocppj/json_schema.ts";

export const HeartbeatRequest = z.strictObject({});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const HeartbeatResponse = z.strictObject({
  currentTime: dateTime,
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

export const Heartbeat = {
  summary: "Tell the Central System the Charge Point is alive; the answer gives the current time",
  directions: { CpToCs: "OCPP 1.6 §4.6" },
  request: HeartbeatRequest,
  response: HeartbeatResponse,
} as const satisfies ActionDefinition;

/**
 * OCPP 1.6 §6 Heartbeat, sent by the Charge Point to the Central System.
 * Mirrors `urn:Heartbeat.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { dateTime } from "../ocppj/json_schema.ts";

export const HeartbeatRequest = z.strictObject({});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const HeartbeatResponse = z.strictObject({
  currentTime: dateTime,
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

/**
 * SendLocalList, sent by the Central System (OCPP 1.6 §5.15).
 * The schemas mirror `urn:SendLocalList.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { UPDATE_STATUSES, UPDATE_TYPES } from "./enums.ts";
import { integer } from "../ocppj/json_schema.ts";
import { AuthorizationData } from "./common.ts";

export const SendLocalListRequest = z.strictObject({
  listVersion: integer,
  localAuthorizationList: z.array(AuthorizationData).optional(),
  updateType: z.enum(UPDATE_TYPES),
});
export type SendLocalListRequest = z.infer<typeof SendLocalListRequest>;

export const SendLocalListResponse = z.strictObject({
  status: z.enum(UPDATE_STATUSES),
});
export type SendLocalListResponse = z.infer<typeof SendLocalListResponse>;

export const SendLocalList = {
  summary: "Send the local authorization list, in full or as changes",
  directions: { CsToCp: "OCPP 1.6 §5.15" },
  request: SendLocalListRequest,
  response: SendLocalListResponse,
} as const satisfies ActionDefinition;

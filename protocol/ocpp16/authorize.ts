/**
 * Authorize, sent by the Charge Point (OCPP 1.6 §4.1).
 * The schemas mirror `urn:Authorize.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { IdTagInfo, IdToken } from "./common.ts";

export const AuthorizeRequest = z.strictObject({
  idTag: IdToken,
});
export type AuthorizeRequest = z.infer<typeof AuthorizeRequest>;

export const AuthorizeResponse = z.strictObject({
  idTagInfo: IdTagInfo,
});
export type AuthorizeResponse = z.infer<typeof AuthorizeResponse>;

export const Authorize = {
  summary: "Ask whether an idTag may charge",
  directions: { CpToCs: "OCPP 1.6 §4.1" },
  request: AuthorizeRequest,
  response: AuthorizeResponse,
} as const satisfies ActionDefinition;

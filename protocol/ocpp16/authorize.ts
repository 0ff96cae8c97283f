/**
 * OCPP 1.6 §6 Authorize, sent by the Charge Point to the Central System.
 * Mirrors `urn:Authorize.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { IdTagInfo, IdToken } from "./common.ts";

export const AuthorizeRequest = z.strictObject({
  idTag: IdToken,
});
export type AuthorizeRequest = z.infer<typeof AuthorizeRequest>;

export const AuthorizeResponse = z.strictObject({
  idTagInfo: IdTagInfo,
});
export type AuthorizeResponse = z.infer<typeof AuthorizeResponse>;

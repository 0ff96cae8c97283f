/**
 * OCPP 1.6 §6 GetConfiguration, sent by the Central System to the Charge Point.
 * Mirrors `urn:GetConfiguration.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { CiString50, KeyValue } from "./common.ts";

export const GetConfigurationRequest = z.strictObject({
  key: z.array(CiString50).optional(),
});
export type GetConfigurationRequest = z.infer<typeof GetConfigurationRequest>;

export const GetConfigurationResponse = z.strictObject({
  configurationKey: z.array(KeyValue).optional(),
  unknownKey: z.array(CiString50).optional(),
});
export type GetConfigurationResponse = z.infer<typeof GetConfigurationResponse>;

/**
 * GetConfiguration, sent by the Central System (OCPP 1.6 §5.8).
 * The schemas mirror `urn:GetConfiguration.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
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

export const GetConfiguration = {
  summary: "Read configuration keys (all when none is named)",
  directions: { CsToCp: "OCPP 1.6 §5.8" },
  request: GetConfigurationRequest,
  response: GetConfigurationResponse,
} as const satisfies ActionDefinition;

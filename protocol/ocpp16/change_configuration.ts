/**
 * OCPP 1.6 §6 ChangeConfiguration, sent by the Central System to the Charge Point.
 * Mirrors `urn:ChangeConfiguration.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import { CONFIGURATION_STATUSES } from "./enums.ts";
import { CiString50, CiString500 } from "./common.ts";

export const ChangeConfigurationRequest = z.strictObject({
  key: CiString50,
  value: CiString500,
});
export type ChangeConfigurationRequest = z.infer<typeof ChangeConfigurationRequest>;

export const ChangeConfigurationResponse = z.strictObject({
  status: z.enum(CONFIGURATION_STATUSES),
});
export type ChangeConfigurationResponse = z.infer<typeof ChangeConfigurationResponse>;

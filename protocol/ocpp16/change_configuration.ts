/**
 * ChangeConfiguration, sent by the Central System (OCPP 1.6 §5.3).
 * The schemas mirror `urn:ChangeConfiguration.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
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

export const ChangeConfiguration = {
  summary: "Set one configuration key",
  directions: { CsToCp: "OCPP 1.6 §5.3" },
  request: ChangeConfigurationRequest,
  response: ChangeConfigurationResponse,
} as const satisfies ActionDefinition;

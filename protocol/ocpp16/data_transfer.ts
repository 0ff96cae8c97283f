/**
 * DataTransfer, sent either way: by the Charge Point (OCPP 1.6 §4.3) or by the Central System (OCPP 1.6 §5.6).
 * The schemas mirror `urn:DataTransfer.req` / `.conf` of the official OCPP 1.6 JSON schemas.
 */
import { z } from "zod";
import type { ActionDefinition } from "../ocppj/dialect.ts";
import { DATA_TRANSFER_STATUSES } from "./enums.ts";
import { CiString255, CiString50 } from "./common.ts";

export const DataTransferRequest = z.strictObject({
  vendorId: CiString255,
  messageId: CiString50.optional(),
  /** Free text; the JSON schema sets no length limit. */
  data: z.string().optional(),
});
export type DataTransferRequest = z.infer<typeof DataTransferRequest>;

export const DataTransferResponse = z.strictObject({
  status: z.enum(DATA_TRANSFER_STATUSES),
  data: z.string().optional(),
});
export type DataTransferResponse = z.infer<typeof DataTransferResponse>;

export const DataTransfer = {
  summary: "Exchange vendor-specific data",
  directions: { CpToCs: "OCPP 1.6 §4.3", CsToCp: "OCPP 1.6 §5.6" },
  request: DataTransferRequest,
  response: DataTransferResponse,
} as const satisfies ActionDefinition;

/**
 * How a station's DataTransfer.req is answered (OCPP 1.6 §4.3), from rules operators set per vendorId and
 * messageId: the rule for exactly this message, else the vendor's catch-all (messageId ""), else
 * UnknownMessageId when the vendor has rules for other messages, else UnknownVendorId.
 *
 * @example
 * ```ts
 * const rules = [{ vendorId: "Acme", messageId: "", status: "Accepted" as const, data: null, updatedBy: "u", updatedAt: "" }];
 * answerDataTransfer(rules, "Acme", "Temp"); // { status: "Accepted" }
 * answerDataTransfer(rules, "Other", undefined); // { status: "UnknownVendorId" }
 * ```
 */
import type { DataTransferRule, DataTransferStatus } from "../store/fleet.ts";

export interface DataTransferAnswer {
  status: DataTransferStatus;
  data?: string;
}

export function answerDataTransfer(
  rules: readonly Omit<DataTransferRule, "version">[],
  vendorId: string,
  messageId: string | undefined,
): DataTransferAnswer {
  const vendorRules = rules.filter((r) => r.vendorId === vendorId);
  const rule = (messageId !== undefined ? vendorRules.find((r) => r.messageId === messageId) : undefined) ??
    vendorRules.find((r) => r.messageId === "");
  if (rule) return rule.data !== null ? { status: rule.status, data: rule.data } : { status: rule.status };
  return { status: vendorRules.length > 0 ? "UnknownMessageId" : "UnknownVendorId" };
}

/**
 * One step of `DataTransferStore.changeRule`, the same in every store: the rule before, and the rule `change`
 * makes of the vendor's rules with its version counted on from the one it replaces.
 */
import type { DataTransferRule, DataTransferRuleChange } from "./fleet.ts";

export function decideRuleChange(
  vendorRules: readonly DataTransferRule[],
  messageId: string,
  change: (vendorRules: readonly DataTransferRule[]) => DataTransferRuleChange,
): { before: DataTransferRule | null; after: DataTransferRule | null } {
  const before = vendorRules.find((r) => r.messageId === messageId) ?? null;
  const next = change(vendorRules);
  const after = next === null ? null : { ...next, version: (before?.version ?? 0) + 1 };
  return { before, after };
}

/**
 * DataTransfer messages stations sent (with the answer they got) and the rules that answer them, per vendorId
 * and messageId: operators read, admins change the rules (no code change, no restart).
 */
import { z } from "zod";
import { principalLabel } from "../../auth/principal.ts";
import type { Fleet } from "../../fleet/mod.ts";
import { CiString255, CiString50 } from "../../protocol/ocpp16/common.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { DataTransferRuleSchema, DataTransferSchema } from "./fleet_schemas.ts";
import { ErrorSchema, limit, listOf, pageOf, urlInt } from "./schemas.ts";
import { refuseOutlivingDataTransferAnswer } from "./outliving_grants.ts";
import type { DataTransferRule, DataTransferRuleChange } from "../../store/fleet.ts";

const ListQuery = z.object({
  chargePointId: z.string().max(48).optional(),
  before: z.string().max(100).optional().describe("Cursor: the nextCursor of the previous page"),
  limit: limit(50, 500),
});
const RuleBody = z.object({
  vendorId: CiString255,
  messageId: CiString50.or(z.literal("")).default("").describe('"" (the default): every other messageId'),
  status: z.enum(["Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId"]),
  data: z.string().max(10_000).nullable().default(null).describe("Sent back as DataTransfer.conf data"),
  expectedVersion: z.number().int().min(1).nullable().optional().describe(
    "The `version` of the rule the change was decided on; null: there was none. 409 when it is no longer so " +
      "(another operator changed it meanwhile). Absent: whatever rule is there is replaced.",
  ),
}).strict();
const RuleQuery = z.object({
  vendorId: z.string().min(1).max(255),
  messageId: z.string().max(50).default(""),
  version: urlInt(1, Number.MAX_SAFE_INTEGER).optional().describe(
    "The `version` of the rule to delete: 409 when another operator changed it meanwhile",
  ),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};
const CHANGED = { 409: { description: "The rule was changed meanwhile", schema: ErrorSchema } };

/**
 * 409 when the rule an operator decided on (`expected`: its version, null for none, undefined for any) is not
 * the one there now: another operator changed it meanwhile, and this change would undo theirs unseen.
 */
function refuseChangedRule(
  current: DataTransferRule | null,
  expected: number | null | undefined,
  vendorId: string,
  messageId: string,
): void {
  const version = current?.version ?? null;
  if (expected === undefined || expected === version) return;
  const rule = `the rule of vendorId ${JSON.stringify(vendorId)}, messageId ${JSON.stringify(messageId)}`;
  const now = version === null ? "there is none" : `it is at version ${version}`;
  throw new ApiError(
    409,
    "conflict",
    `Cannot change ${rule}: ${now}, where ${
      expected === null ? "none" : `version ${expected}`
    } was expected; read it again`,
    { reason: "rule_changed", version },
  );
}

export function addDataTransferRoutes(router: ApiRouter, fleet: Fleet, now: () => Date): void {
  router.add({
    method: "get",
    path: "/v1/data-transfers",
    operationId: "listDataTransfers",
    summary: "DataTransfer messages from stations, newest first, with the answer each got",
    tag: "Data transfer",
    access: "viewer",
    query: ListQuery,
    responses: { 200: { description: "A page of messages", schema: pageOf(DataTransferSchema) }, ...ERRORS },
  }, async (c, { query }) => {
    const items = await fleet.store.dataTransfers.listDataTransfers({
      limit: query.limit,
      ...(query.chargePointId !== undefined ? { chargePointId: query.chargePointId } : {}),
      ...(query.before !== undefined ? { before: query.before } : {}),
    });
    const last = items.at(-1);
    return c.json({ items, nextCursor: items.length >= query.limit && last ? last.id : null });
  });

  router.add({
    method: "get",
    path: "/v1/data-transfer-rules",
    operationId: "listDataTransferRules",
    summary: "How DataTransfer messages are answered, per vendorId and messageId",
    description:
      "A message gets the rule of its vendorId and messageId, else its vendor's rule with messageId " +
      '"", else UnknownMessageId when the vendor has other rules, else UnknownVendorId.',
    tag: "Data transfer",
    access: "viewer",
    responses: { 200: { description: "Every rule", schema: listOf(DataTransferRuleSchema) }, ...ERRORS },
  }, async (c) => c.json({ items: await fleet.store.dataTransfers.listRules() }));

  router.add({
    method: "put",
    path: "/v1/data-transfer-rules",
    operationId: "putDataTransferRule",
    summary: "Set how one vendorId (and messageId) is answered",
    description:
      "An API token that expires may not make a message answered Accepted, or Accepted with other " +
      "data, that was not (403, nor by deleting a rule): such an answer may be a yes to whether a car may " +
      "charge (ISO 15118 Plug & Charge over OCPP 1.6), and the rule stays after the token.",
    tag: "Data transfer",
    access: "admin",
    body: RuleBody,
    responses: { 200: { description: "The rule", schema: DataTransferRuleSchema }, ...ERRORS, ...CHANGED },
  }, async (c, { body, principal }) => {
    const rule: DataTransferRuleChange = {
      vendorId: body.vendorId,
      messageId: body.messageId,
      status: body.status,
      data: body.data,
      updatedBy: principal ? principalLabel(principal) : "anonymous",
      updatedAt: now().toISOString(),
    };
    // Decided on the vendor's rules as they are when written: of two operators at once, the second decides on
    // what the first wrote.
    const { after } = await fleet.dataTransfers.changeRule(rule.vendorId, rule.messageId, (vendorRules) => {
      const current = vendorRules.find((r) => r.messageId === rule.messageId) ?? null;
      refuseChangedRule(current, body.expectedVersion, rule.vendorId, rule.messageId);
      refuseOutlivingDataTransferAnswer(principal, vendorRules, rule.vendorId, rule.messageId, rule);
      return rule;
    });
    return c.json(after);
  });

  router.add({
    method: "delete",
    path: "/v1/data-transfer-rules",
    operationId: "deleteDataTransferRule",
    summary: "Remove a rule",
    tag: "Data transfer",
    access: "admin",
    query: RuleQuery,
    responses: {
      204: { description: "Deleted" },
      ...ERRORS,
      404: { description: "No such rule", schema: ErrorSchema },
      ...CHANGED,
    },
  }, async (c, { query, principal }) => {
    const { vendorId, messageId } = query;
    await fleet.dataTransfers.changeRule(vendorId, messageId, (vendorRules) => {
      const current = vendorRules.find((r) => r.messageId === messageId) ?? null;
      if (current === null && query.version === undefined) {
        throw new ApiError(404, "not_found", `No rule for vendorId "${vendorId}", messageId "${messageId}"`);
      }
      refuseChangedRule(current, query.version, vendorId, messageId);
      refuseOutlivingDataTransferAnswer(principal, vendorRules, vendorId, messageId, null);
      return null;
    });
    return c.body(null, 204);
  });
}

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
import { ErrorSchema, limit, listOf, pageOf } from "./schemas.ts";
import { refuseOutlivingDataTransferAnswer } from "./outliving_grants.ts";
import type { DataTransferRule } from "../../store/fleet.ts";

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
}).strict();
const RuleQuery = z.object({
  vendorId: z.string().min(1).max(255),
  messageId: z.string().max(50).default(""),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

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
    responses: { 200: { description: "The rule", schema: DataTransferRuleSchema }, ...ERRORS },
  }, async (c, { body, principal }) => {
    const rule: DataTransferRule = {
      vendorId: body.vendorId,
      messageId: body.messageId,
      status: body.status,
      data: body.data,
      updatedBy: principal ? principalLabel(principal) : "anonymous",
      updatedAt: now().toISOString(),
    };
    refuseOutlivingDataTransferAnswer(
      principal,
      await fleet.store.dataTransfers.listRules(),
      rule.vendorId,
      rule.messageId,
      rule,
    );
    await fleet.dataTransfers.putRule(rule);
    return c.json(rule);
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
    },
  }, async (c, { query, principal }) => {
    const rules = await fleet.store.dataTransfers.listRules();
    refuseOutlivingDataTransferAnswer(principal, rules, query.vendorId, query.messageId, null);
    if (!(await fleet.dataTransfers.deleteRule(query.vendorId, query.messageId))) {
      throw new ApiError(
        404,
        "not_found",
        `No rule for vendorId "${query.vendorId}", messageId "${query.messageId}"`,
      );
    }
    return c.body(null, 204);
  });
}

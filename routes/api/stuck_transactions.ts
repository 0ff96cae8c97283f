/**
 * Stuck transactions: an admin closes an open transaction by hand; flags say which were closed so and which
 * were left open across a station's reboot.
 */
import { z } from "zod";
import { principalLabel } from "../../auth/principal.ts";
import type { Fleet } from "../../fleet/mod.ts";
import { TRANSACTION_FLAG_KINDS } from "../../model/transaction_flag.ts";
import type { ApiRouter } from "./http.ts";
import { ClosedTransactionSchema, TransactionFlagSchema } from "./fleet_schemas.ts";
import { ErrorSchema, isoDateTime, limit, listOf, queryBoolean, urlInt } from "./schemas.ts";

const IdParam = z.object({ id: urlInt(1, 2 ** 31 - 1) });
const CloseBody = z.object({
  timestamp: isoDateTime.describe("When it ended"),
  meterStop: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe("The meter value at the end (Wh)"),
  reason: z.string().min(1).max(500).describe("Why it is closed by hand"),
}).strict();
const FlagQuery = z.object({
  kind: z.enum(TRANSACTION_FLAG_KINDS).optional(),
  transactionId: urlInt(1, 2 ** 31 - 1).optional(),
  active: queryBoolean.optional().describe(
    "true: only flags of transactions still active (found from the active ones, however old the flag)",
  ),
  limit: limit(100, 1000),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};

export function addStuckTransactionRoutes(router: ApiRouter, fleet: Fleet): void {
  router.add(
    {
      method: "post",
      path: "/v1/transactions/{id}/close",
      operationId: "closeTransaction",
      summary: "Close an open transaction by hand (stop time, meter value, reason)",
      description:
        'Stopped with reason "ClosedByOperator" and a closed_by_operator flag naming who and why; the ' +
        "connector (2.0.1: the EVSE) forgets it. A stop the station sends later (StopTransaction, 2.0.1 " +
        "Ended) replaces the estimate, which stays in the flag.",
      tag: "Transactions",
      access: "admin",
      params: IdParam,
      body: CloseBody,
      responses: {
        200: { description: "The closed transaction", schema: ClosedTransactionSchema },
        ...ERRORS,
        404: { description: "Unknown transaction", schema: ErrorSchema },
        409: { description: "Already finished", schema: ErrorSchema },
      },
    },
    async (c, { params, body, principal }) =>
      c.json(await fleet.stuck.close(params.id, body, principal ? principalLabel(principal) : "anonymous")),
  );

  router.add({
    method: "get",
    path: "/v1/transaction-flags",
    operationId: "listTransactionFlags",
    summary: "Transactions closed by hand, left open across a reboot, or started on another's reservation",
    tag: "Transactions",
    access: "viewer",
    query: FlagQuery,
    responses: {
      200: { description: "Flags, newest transaction first", schema: listOf(TransactionFlagSchema) },
      ...ERRORS,
    },
  }, async (c, { query }) => {
    const kind = query.kind !== undefined ? { kind: query.kind } : {};
    const items = query.active
      ? (await fleet.stuck.activeFlags({ limit: query.limit, ...kind }))
        .filter((f) => query.transactionId === undefined || f.transactionId === query.transactionId)
      : await fleet.stuck.flags({
        limit: query.limit,
        ...kind,
        ...(query.transactionId !== undefined ? { transactionId: query.transactionId } : {}),
      });
    return c.json({ items });
  });
}

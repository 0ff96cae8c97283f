/**
 * An operator clears a station's protocol errors once its firmware or configuration is fixed: the station no
 * longer needs attention (the overview's `protocol`, its page's notice) until it sends a bad frame again, which
 * counts from one. Cleared in its snapshot by its actor when it is connected (wherever in the cluster), else in
 * the store; the frame log keeps the frames. Said in the server log and as a `protocolErrorsCleared` event,
 * with who did it, as a dismissed firmware failure is (routes/api/firmware_failure.ts). Clears of one station
 * on one node run one after another: of two operators at once, the second is told there are none (one line,
 * one event). Two nodes' clears of one station at once may both say cleared (left: the actor's answer does not
 * say whether this change did it).
 */
import { z } from "zod";
import { type Principal, principalLabel } from "../../auth/principal.ts";
import type { Registry } from "../../actors/registry.ts";
import type { Logger } from "../../logger.ts";
import type { Store } from "../../store/mod.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { ChargePointIdParam, ErrorSchema, isoDateTime } from "./schemas.ts";

export interface ProtocolErrorsRouteOptions {
  registry: Registry;
  store: Store;
  logger: Logger;
  now: () => Date;
}

const ClearBody = z.object({
  lastAt: isoDateTime.describe(
    "The `protocolErrors.lastAt` the operator saw: a station that sent another bad frame since is not cleared " +
      "(409)",
  ),
}).strict();

const ClearedSchema = z.object({
  chargePointId: z.string(),
  cleared: z.number().int().describe("How many protocol errors were cleared"),
});

export function addProtocolErrorsRoutes(router: ApiRouter, options: ProtocolErrorsRouteOptions): void {
  const { registry, store, logger, now } = options;
  /** Clears of one station on this node, one after another: the second reads what the first left. */
  const clearing = new Map<string, Promise<unknown>>();

  router.add({
    method: "post",
    path: "/v1/charge-points/{id}/protocol-errors/clear",
    operationId: "clearProtocolErrors",
    summary:
      "Clear a station's protocol errors (after fixing it): it no longer needs attention until the next one",
    description:
      "Sets the station's `protocolErrors` to null when its last one is still the one named; its " +
      "frame log keeps the frames. 409 with `details.reason` `no_protocol_errors` when it has none, " +
      "`protocol_errors_changed` when it sent another bad frame since.",
    tag: "Charge points",
    access: "operator",
    params: ChargePointIdParam,
    body: ClearBody,
    responses: {
      200: { description: "Cleared", schema: ClearedSchema },
      400: { description: "Invalid request", schema: ErrorSchema },
      401: { description: "Not authenticated", schema: ErrorSchema },
      403: { description: "Role too low", schema: ErrorSchema },
      404: { description: "Unknown charge point", schema: ErrorSchema },
      409: { description: "Nothing to clear, or newer errors", schema: ErrorSchema },
    },
  }, async (c, { params, body, principal }) => {
    const { id } = params;
    const previous = clearing.get(id);
    const cleared = (async () => {
      await previous?.catch(() => {});
      return await clear(id, body.lastAt, principal);
    })();
    clearing.set(id, cleared);
    try {
      return c.json(await cleared);
    } finally {
      if (clearing.get(id) === cleared) clearing.delete(id);
    }
  });

  /** Clears `id`'s protocol errors whose last one is at `seenAt`, the one the operator saw. */
  async function clear(
    id: string,
    seenAt: string,
    principal: Principal | null,
  ): Promise<z.infer<typeof ClearedSchema>> {
    const record = registry.get(id)?.snapshot ?? await store.getChargePoint(id);
    if (!record) throw new ApiError(404, "not_found", `Charge point "${id}" is unknown`);
    const current = record.protocolErrors ?? null;
    if (current === null) {
      throw new ApiError(409, "conflict", `Cannot clear the protocol errors of "${id}": it has none`, {
        reason: "no_protocol_errors",
      });
    }
    const changed = (lastAt: string) =>
      new ApiError(
        409,
        "conflict",
        `Cannot clear the protocol errors of "${id}": it sent another bad frame at ${lastAt}, after ${seenAt}`,
        { reason: "protocol_errors_changed", lastAt },
      );
    if (Date.parse(current.lastAt) !== Date.parse(seenAt)) throw changed(current.lastAt);
    const at = now().toISOString();
    const { record: updated } = await registry.updateSnapshot(id, {
      change: "clearProtocolErrors",
      lastAt: current.lastAt,
      at,
    });
    // Its actor compares with what it holds: a bad frame noted meanwhile is kept.
    if (updated.protocolErrors) throw changed(updated.protocolErrors.lastAt);
    const by = principalLabel(principal);
    logger.info("protocol errors cleared", { chargePointId: id, count: current.count, by });
    registry.deps.events.publish({
      type: "protocolErrorsCleared",
      chargePointId: id,
      at,
      count: current.count,
      by,
    });
    return { chargePointId: id, cleared: current.count };
  }
}

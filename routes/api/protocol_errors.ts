/**
 * An operator clears a station's protocol errors once its firmware or configuration is fixed: the station no
 * longer needs attention (the overview's `protocol`, its page's notice) until it sends a bad frame again, which
 * counts from one. Cleared in its snapshot by its actor when it is connected (wherever in the cluster), else in
 * the store; the frame log keeps the frames. Said in the server log and as a `protocolErrorsCleared` event,
 * with who did it, as a dismissed firmware failure is (routes/api/firmware_failure.ts). Whether a clear clears
 * is decided where the errors are current (`Registry.clearProtocolErrors`): the actor holding the station, on
 * whichever node (its errors not written yet count), else one conditional write of the stored record. So a
 * node whose stored copy lags the owner's errors still clears them, and of two operators at once, through any
 * nodes, one clears (one line, one event) and the other is told there are none.
 */
import { z } from "zod";
import { principalLabel } from "../../auth/principal.ts";
import type { Registry } from "../../actors/registry.ts";
import type { Logger } from "../../logger.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { ChargePointIdParam, ErrorSchema, isoDateTime } from "./schemas.ts";

export interface ProtocolErrorsRouteOptions {
  registry: Registry;
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
  const { registry, logger, now } = options;

  router.add({
    method: "post",
    path: "/v1/charge-points/{id}/protocol-errors/clear",
    operationId: "clearProtocolErrors",
    summary:
      "Clear a station's protocol errors (after fixing it): it no longer needs attention until the next one",
    description:
      "Sets the station's `protocolErrors` to null when its last one is still the one named; its " +
      "frame log keeps the frames. 409 with `details.reason` `no_protocol_errors` when it has none, " +
      "`protocol_errors_changed` when it sent another bad frame since; 503 `store_unavailable` when the " +
      "store could not take the clear (nothing cleared, the station's errors kept: try again).",
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
      503: { description: "The store could not take the clear: nothing was cleared", schema: ErrorSchema },
    },
  }, async (c, { params, body, principal }) => {
    const { id } = params;
    const seenAt = body.lastAt;
    const at = now().toISOString();
    const outcome = await registry.clearProtocolErrors(id, seenAt, at);
    if (outcome === null) throw new ApiError(404, "not_found", `Charge point "${id}" is unknown`);
    if ("refused" in outcome && outcome.refused === "no_protocol_errors") {
      throw new ApiError(409, "conflict", `Cannot clear the protocol errors of "${id}": it has none`, {
        reason: "no_protocol_errors",
      });
    }
    if ("refused" in outcome) {
      const { lastAt } = outcome.current;
      throw new ApiError(
        409,
        "conflict",
        `Cannot clear the protocol errors of "${id}": it sent another bad frame at ${lastAt}, after ${seenAt}`,
        { reason: "protocol_errors_changed", lastAt },
      );
    }
    const { count } = outcome.cleared;
    const by = principalLabel(principal);
    logger.info("protocol errors cleared", { chargePointId: id, count, by });
    registry.deps.events.publish({ type: "protocolErrorsCleared", chargePointId: id, at, count, by });
    return c.json({ chargePointId: id, cleared: count });
  });
}

/**
 * `POST /api/v1/charge-points/{id}/{action}`: the 19 CS->CP commands. The body is the action's request
 * payload, validated with the action's own schema; `registry.call` is the only way out (it queues: one CALL
 * in flight per station). Every command that reached the registry lands in the command log, with who sent it
 * and how it ended.
 */
import { z } from "zod";
import { failedCommandOutcome } from "../../actors/errors.ts";
import type { Registry } from "../../actors/registry.ts";
import type { Logger } from "../../logger.ts";
import type { Metrics } from "../../metrics/metrics.ts";
import { ACTIONS, CS_TO_CP_ACTIONS, type CsToCpAction } from "../../protocol/ocpp16/mod.ts";
import { redactSecrets } from "../../protocol/ocppj/secret_values.ts";
import type { CommandLogEntry, Store } from "../../store/store.ts";
import { principalLabel } from "../../auth/principal.ts";
import { commandApiError } from "./command_errors.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { ChargePointIdParam, ErrorSchema, queryBoolean } from "./schemas.ts";

export interface CommandRouteOptions {
  registry: Registry;
  store: Store;
  logger: Logger;
  now: () => Date;
  metrics?: Metrics;
  /** Told of every answered command (stored charging profiles follow SetChargingProfile/ClearChargingProfile). */
  onAnswered?: (answer: AnsweredCommand) => Promise<void>;
}

export interface AnsweredCommand {
  chargePointId: string;
  action: CsToCpAction;
  request: unknown;
  response: unknown;
  requestedBy: string;
}

const CommandQuery = z.object({
  force: queryBoolean.optional().describe(
    "Send even when the station's state says the command makes no sense (e.g. RemoteStart on a Faulted connector)",
  ),
});

export function addCommandRoutes(router: ApiRouter, options: CommandRouteOptions): void {
  const { registry, store, logger, now, onAnswered } = options;

  for (const action of CS_TO_CP_ACTIONS) {
    router.add({
      method: "post",
      path: `/v1/charge-points/{id}/${action}`,
      operationId: `command${action}`,
      summary: `${ACTIONS[action].summary} (${ACTIONS[action].directions.CsToCp})`,
      description: `Sends ${action}.req and answers with the station's ${action}.conf payload. ` +
        "Values of configuration keys whose name says key, password or secret are answered and logged as " +
        '"[redacted]".',
      tag: "Commands",
      access: "operator",
      params: ChargePointIdParam,
      query: CommandQuery,
      body: ACTIONS[action].request,
      emptyBodyIsObject: true,
      responses: {
        200: { description: `The station's ${action}.conf`, schema: ACTIONS[action].response },
        400: { description: "The body is not a valid request (details name the field)", schema: ErrorSchema },
        401: { description: "Not authenticated", schema: ErrorSchema },
        403: { description: "Role too low (needs operator)", schema: ErrorSchema },
        409: {
          description: "Not connected, or refused by the station's state (retry with force)",
          schema: ErrorSchema,
        },
        502: {
          description: "The station answered with a CALLERROR, or with an invalid payload",
          schema: ErrorSchema,
        },
        504: { description: "The station did not answer in time", schema: ErrorSchema },
      },
    }, async (c, { params, query, body, principal }) => {
      const requestedAt = now().toISOString();
      // Secrets (an AuthorizationKey sent with ChangeConfiguration) never reach the log that viewers read.
      const entry = (outcome: CommandLogEntry["outcome"], response: unknown): CommandLogEntry => ({
        id: crypto.randomUUID(),
        chargePointId: params.id,
        action,
        payload: redactSecrets(body),
        requestedBy: principalLabel(principal),
        requestedAt,
        outcome,
        response: redactSecrets(response),
        finishedAt: now().toISOString(),
      });
      const record = async (e: CommandLogEntry) => {
        options.metrics?.commandFinished(action, e.outcome);
        try {
          await store.appendCommandLog(e);
        } catch (error) {
          // The command itself is done; losing its log line must not turn its answer into an error.
          logger.warn("cannot append command log", {
            chargePointId: params.id,
            action,
            error: String(error),
          });
        }
      };
      try {
        const result = redactSecrets(
          await registry.call(params.id, action, body, { force: query.force ?? false }),
        );
        await record(entry("accepted", result));
        try {
          await onAnswered?.({
            chargePointId: params.id,
            action,
            request: body,
            response: result,
            requestedBy: principalLabel(principal),
          });
        } catch (error) {
          // The station did it; what we keep about it failing must not turn its answer into an error.
          logger.warn("cannot record what a command's answer taught", {
            chargePointId: params.id,
            action,
            error: String(error),
          });
        }
        return c.json(result as Record<string, unknown>, 200);
      } catch (error) {
        const failed = failedCommandOutcome(error);
        if (failed) await record(entry(failed.outcome, failed.response));
        throw commandApiError(error);
      }
    });
  }

  // Anything else under the same shape is an unknown command (after the role check, like the real ones).
  router.app.post("/v1/charge-points/:id/:action", function unknownCommand(c) {
    const principal = c.get("principal");
    if (principal && principal.role === "viewer") {
      throw new ApiError(
        403,
        "forbidden",
        `This needs the "operator" role; ${principal.kind} "${principal.name}" has "viewer"`,
      );
    }
    const action = c.req.param("action");
    throw new ApiError(404, "not_found", `Unknown command ${JSON.stringify(action)}`, {
      commands: CS_TO_CP_ACTIONS,
    });
  });
}

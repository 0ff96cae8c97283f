/**
 * `POST /api/v1/charge-points/{id}/{action}`: the 26 CS->CP commands (19 of OCPP 1.6, 7 of its Security extension). The body is the action's request
 * payload, validated with the action's own schema; `registry.call` is the only way out (it queues: one CALL
 * in flight per station). The domain writes the command log (who sent it and how it ended, sent or not); this
 * route only maps the outcome to HTTP.
 */
import { z } from "zod";
import type { Registry } from "../../actors/registry.ts";
import { principalLabel } from "../../auth/principal.ts";
import type { Logger } from "../../logger.ts";
import { ACTIONS, CS_TO_CP_ACTIONS, type CsToCpAction, type RequestOf } from "../../protocol/ocpp16/mod.ts";
import { redactSecrets } from "../../protocol/ocppj/secret_values.ts";
import type { Context } from "hono";
import { expandLocations } from "../../files/command_locations.ts";
import type { SecurityExtension } from "../../files/security_extension.ts";
import { commandApiError } from "./command_errors.ts";
import { publicBase } from "./files.ts";
import { type ApiEnv, ApiError, type ApiRouter, check } from "./http.ts";
import { ChargePointIdParam, ErrorSchema, queryBoolean } from "./schemas.ts";

export interface CommandRouteOptions {
  registry: Registry;
  logger: Logger;
  /**
   * With the Security extension, locations may be placeholders: `csms:upload` (GetDiagnostics, GetLog) and
   * `csms:firmware/<id>` ((Signed)UpdateFirmware) become URLs of this server for the station (see
   * files/command_locations.ts).
   */
  extension?: SecurityExtension;
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
  for (const action of CS_TO_CP_ACTIONS) addCommandRoute(router, action, options);

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

/** One command's route; generic so the body's type is the action's own request type. */
function addCommandRoute<A extends CsToCpAction>(
  router: ApiRouter,
  action: A,
  { registry, logger, onAnswered, extension }: CommandRouteOptions,
): void {
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
    const requestedBy = principalLabel(principal);
    const payload = extension
      ? await withLocations(c, action, body, { chargePointId: params.id, createdBy: requestedBy, extension })
      : body;
    let result: Record<string, unknown>;
    try {
      // The router validated `body` with ACTIONS[action].request; zod's generics cannot carry A through it.
      const answer = await registry.call(params.id, action, payload as RequestOf<A>, {
        force: query.force ?? false,
        requestedBy,
      });
      // The command log keeps no secret either (the domain redacts what it stores).
      result = redactSecrets(answer) as Record<string, unknown>;
    } catch (error) {
      throw commandApiError(error);
    }
    try {
      await onAnswered?.({
        chargePointId: params.id,
        action,
        request: payload,
        response: result,
        requestedBy,
      });
    } catch (error) {
      // The station did it; what we keep about it failing must not turn its answer into an error.
      logger.warn("cannot record what a command's answer taught", {
        chargePointId: params.id,
        action,
        error: String(error),
      });
    }
    return c.json(result, 200);
  });
}

/** The payload with its location placeholders made into URLs, checked again with the action's schema. */
async function withLocations(
  c: Context<ApiEnv>,
  action: CsToCpAction,
  body: unknown,
  ctx: { chargePointId: string; createdBy: string; extension: SecurityExtension },
): Promise<unknown> {
  const { uploads, firmware } = ctx.extension;
  const expanded = await expandLocations(action, body, {
    chargePointId: ctx.chargePointId,
    createdBy: ctx.createdBy,
    baseUrl: publicBase(c, ctx.extension),
    uploads,
    firmware,
  });
  if (!expanded.ok) throw new ApiError(400, "invalid_request", expanded.message, { in: "body" });
  return expanded.payload === body ? body : check("body", ACTIONS[action].request, expanded.payload);
}

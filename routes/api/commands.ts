/**
 * `POST /api/v1/charge-points/{id}/{action}`: the CS->CP commands of both dialects, 26 of OCPP 1.6 (19 of
 * the spec, 7 of its Security extension) and 27 of OCPP 2.0.1 (19 share a name with a 1.6 one). The station's
 * dialect (its live connection's, else the one it last connected with) picks the schema the body is
 * validated with; an action its dialect does not have is 400 naming the dialect. `registry.send` is the only
 * way out (it queues: one CALL in flight per station). The domain writes the command log (who sent it and how it ended, sent or not); this
 * route only maps the outcome to HTTP.
 */
import { commandBoundsProblem16, commandBoundsProblem201 } from "../../actors/commands/bounds.ts";
import { z } from "zod";
import type { Registry } from "../../actors/registry.ts";
import { hasRole, principalLabel } from "../../auth/principal.ts";
import { AUTHORIZATION_KEY_PATTERN, keyAnswer, keySent } from "../../security/authorization_key_rotation.ts";
import { changesStationTrust, TRUST_ACTIONS } from "../../security/trust_commands.ts";
import { certificatePayloadProblem } from "../../pki/certificate_text.ts";
import type { Logger } from "../../logger.ts";
import { ACTIONS, CS_TO_CP_ACTIONS } from "../../protocol/ocpp16/mod.ts";
import {
  ACTIONS as ACTIONS_201,
  CS_TO_CP_ACTIONS as CS_TO_CP_ACTIONS_201,
} from "../../protocol/ocpp201/mod.ts";
import type { ActorDialect } from "../../actors/dialect.ts";
import type { ActionDefinition } from "../../protocol/ocppj/dialect.ts";
import { OCPP16_ACTOR } from "../../actors/ocpp16.ts";
import { dialectOfStation } from "../../actors/dialects.ts";
import type { Store } from "../../store/mod.ts";
import type { Energy } from "../../energy/mod.ts";
import { commandProfileProblem } from "../../energy/charging_profile_rules.ts";
import { redactSecrets } from "../../protocol/ocppj/secret_values.ts";
import type { Context } from "hono";
import { expandLocations, hasLocationPlaceholder } from "../../files/command_locations.ts";
import { NotConnectedError } from "../../actors/errors.ts";
import { refuseUnknownStation } from "./known_station.ts";
import type { SecurityExtension } from "../../files/security_extension.ts";
import { commandApiError } from "./command_errors.ts";
import { type PendingKeyFate, pendingKeyFate } from "./pending_key_fate.ts";
import type { PendingRaise, SecurityProfileRaises } from "./security_profile_raises.ts";
import {
  profileAnswer,
  profileField,
  profileSent,
  raiseAsked,
} from "../../security/security_profile_raise.ts";
import { outcomeUnknown } from "./command_errors.ts";
import { refuseProfileProblem } from "./charging_profiles.ts";
import { publicBase } from "./files.ts";
import { refuseOutlivingGrant } from "./outliving_grants.ts";
import { refuseOutlivingCommand } from "./outliving_commands.ts";
import { type ApiEnv, ApiError, type ApiRouter, check } from "./http.ts";
import { ChargePointIdParam, ErrorSchema, queryBoolean } from "./schemas.ts";

export interface CommandRouteOptions {
  registry: Registry;
  /** Where the dialect of a station that is not connected is read (the one it last connected with). */
  store: Store;
  logger: Logger;
  /**
   * With the Security extension, locations may be placeholders: `csms:upload` (GetDiagnostics, GetLog) and
   * `csms:firmware/<id>` ((Signed)UpdateFirmware) become URLs of this server for the station (see
   * files/command_locations.ts).
   */
  extension?: SecurityExtension;
  /** Where an AuthorizationKey a command gives a station waits for its outcome (station_security.ts). */
  pendingKeys?: PendingKeys;
  /** Where a higher SecurityProfile a command gives a station waits for its first connection with it. */
  profileRaises?: SecurityProfileRaises;
  /**
   * Load management: a SetChargingProfile must not fight its profiles (what its answer teaches, the node
   * holding the station tells: command_answers.ts).
   */
  energy?: Energy;
  /** What a SetChargingProfile's validTo is compared with. */
  now?: () => Date;
}

/**
 * A key sent to a station is pending (the gate takes it beside the old one) until the answer settles it:
 * accepted, it is the key; refused or never sent, it is forgotten; no answer, it stays pending.
 */
export interface PendingKeys {
  /** Stores `key` as pending; its hash. */
  pend(id: string, key: string, by: string, why: string): Promise<string>;
  settle(id: string, hash: string, taken: boolean, by: string, why: string): Promise<unknown>;
}

const CommandQuery = z.object({
  force: queryBoolean.optional().describe(
    "Send even when the station's state says the command makes no sense (e.g. RemoteStart on a Faulted " +
      "connector, or for an id tag this server would not accept; SecurityProfile 3 for a station without a " +
      "current certificate of this server's PKI)",
  ),
});

/** Every command name of either dialect, 1.6's first. */
const COMMAND_NAMES: readonly string[] = [
  ...CS_TO_CP_ACTIONS,
  ...CS_TO_CP_ACTIONS_201.filter((a) => !(CS_TO_CP_ACTIONS as readonly string[]).includes(a)),
];

export function addCommandRoutes(router: ApiRouter, options: CommandRouteOptions): void {
  for (const action of COMMAND_NAMES) addCommandRoute(router, action, options);

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
      commands: COMMAND_NAMES,
    });
  });
}

/** Any JSON object: the station's dialect picks the schema the body is checked with (see the route). */
const ANY_OBJECT = z.looseObject({});

function definitionIn(dialect: ActorDialect, action: string) {
  return Object.hasOwn(dialect.commands, action) ? dialect.protocol.actions[action] : undefined;
}

/** One command's route, for every dialect that has the action. */
function addCommandRoute(router: ApiRouter, action: string, options: CommandRouteOptions): void {
  const { registry, logger, extension, pendingKeys, profileRaises } = options;
  const v16: ActionDefinition | undefined = Object.hasOwn(ACTIONS, action)
    ? ACTIONS[action as keyof typeof ACTIONS]
    : undefined;
  const v201: ActionDefinition | undefined = Object.hasOwn(ACTIONS_201, action)
    ? ACTIONS_201[action as keyof typeof ACTIONS_201]
    : undefined;
  const main = (v16 ?? v201)!;
  const sections = [v16?.directions.CsToCp, v201?.directions.CsToCp].filter(Boolean).join("; ");
  const dialects = [v16 ? "OCPP 1.6" : null, v201 ? "OCPP 2.0.1" : null].filter(Boolean).join(" and ");
  router.add({
    method: "post",
    path: `/v1/charge-points/{id}/${action}`,
    operationId: `command${action}`,
    summary: `${main.summary} (${sections})`,
    description: `Sends ${action} (${dialects}) and answers with the station's response payload. ` +
      (v16 && v201
        ? "The body is the request of the station's dialect: the schema shown is OCPP 1.6's, " +
          "`x-ocpp201-schema` is OCPP 2.0.1's. "
        : "") +
      (action === "RequestStartTransaction"
        ? "Without remoteStartId one is allocated; the answer carries it, and the transaction the station " +
          "starts is linked to it in the ledger. "
        : "") +
      "A station speaking the other dialect gets 400 naming its dialect. " +
      "Values of configuration keys whose name says key, password or secret are answered and logged as " +
      '"[redacted]".',
    tag: "Commands",
    access: TRUST_ACTIONS.has(action) ? "admin" : "operator",
    params: ChargePointIdParam,
    query: CommandQuery,
    body: ANY_OBJECT,
    bodyDoc: { schema: main.request, ...(v16 && v201 ? { ocpp201: v201.request } : {}) },
    emptyBodyIsObject: true,
    responses: {
      200: { description: `The station's ${action} response`, schema: main.response },
      400: {
        description: "The body is not a valid request (details name the field), or the station's dialect " +
          "has no such command",
        schema: ErrorSchema,
      },
      401: { description: "Not authenticated", schema: ErrorSchema },
      403: {
        description: "Role too low (needs operator), or an API token that expires asked for what would " +
          "outlive it (`details.rule` names the rule: routes/api/outliving_grants.ts)",
        schema: ErrorSchema,
      },
      404: { description: "No station ever had this id (not stored, not connected)", schema: ErrorSchema },
      409: {
        description:
          "Not connected (a decommissioned station: conflict), or refused by the station's state or a remote start's id tag " +
          "(a ReserveNow on a connector holding another reservation, a remote start on one reserved for another tag: " +
          "`details.reservationId` names it) (retry " +
          "with force); a raise to SecurityProfile 3 of a station without a current certificate of ours " +
          "(`reason` no_station_certificate or station_certificate_expired; retry with force); a lower " +
          "SecurityProfile (not retried with force); a SetChargingProfile that would fight load management's profiles (not retried with " +
          "force); an OCPP 1.6 TxProfile for no transaction the ledger has running where it says (retry with " +
          "force for a session the station has not reported yet); a payload the station's dialect does not take " +
          "(`details.field` names it; not retried with force)",
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
    const dialect = await dialectOfStation(options, params.id, action);
    const definition = definitionIn(dialect, action);
    if (!definition) {
      throw new ApiError(
        400,
        "wrong_dialect",
        `"${action}" is not a command of ${dialect.protocol.name}, which "${params.id}" speaks`,
        { dialect: dialect.protocol.subprotocol, commands: Object.keys(dialect.commands) },
      );
    }
    // An id this server never saw (a typo) is 404, not an offline station's 409, and logs no command.
    if (!registry.isConnected(params.id)) {
      await refuseUnknownStation({ registry, store: options.store }, params.id);
    }
    const is16 = dialect === OCPP16_ACTOR;
    let input: Record<string, unknown> = body;
    if (!is16 && action === "RequestStartTransaction" && input["remoteStartId"] === undefined) {
      // Unique across the cluster and never reused: an id from the ledger's own sequence.
      input = { ...input, remoteStartId: await options.store.newTransactionId() };
    }
    let payload: unknown = check("body", definition.request, input);
    // Numbers the schema lets through but no station can act on (a connector -1, retries -3): 400.
    const bounds = is16 ? commandBoundsProblem16(action, payload) : commandBoundsProblem201(action, payload);
    if (bounds) {
      throw new ApiError(400, "invalid_request", bounds.message, { in: "body", field: bounds.field });
    }
    // OCPP's rules beyond the schema for a profile it carries (400), as the charging profile API's.
    const dialectName = is16 ? "ocpp1.6" : "ocpp2.0.1";
    refuseProfileProblem(commandProfileProblem(action, payload, dialectName, options.now?.() ?? new Date()));
    // No fight with load management (409), as the charging profile API's.
    const clash = await options.energy?.commandClash(params.id, action, payload, {
      force: query.force ?? false,
    });
    if (clash) throw new ApiError(409, "conflict", clash.message, { in: "body", field: clash.field });
    // A key or certificate the station takes decides who it lets in or trusts (the key is then stored,
    // station_security.ts): admins only.
    const sentKey = keySent(action, payload);
    const changesTrust = changesStationTrust(action, payload);
    // Whom the station trusts outlives the request: not a token's that expires (outliving_grants.ts).
    if (changesTrust) refuseOutlivingGrant(principal, `send ${action} that changes whom the station trusts`);
    await refuseOutlivingCommand(principal, action, payload, {
      configuration: async () => (await options.store.getChargePoint(params.id))?.configuration ?? null,
      deviceModel: (keys) => options.store.getDeviceModelEntries(params.id, keys),
    });
    if (changesTrust && !(principal && hasRole(principal, "admin"))) {
      throw new ApiError(
        403,
        "forbidden",
        `${action} changes whom the station trusts: it needs the "admin" role`,
        {
          required: "admin",
        },
      );
    }
    const certificateProblem = certificatePayloadProblem(action, payload);
    if (certificateProblem) {
      throw new ApiError(400, "invalid_request", certificateProblem.message, {
        in: "body",
        field: certificateProblem.field,
      });
    }
    // The gate would take it once the station does: only what a key may be (as the security API's PATCH).
    if (sentKey !== null && !AUTHORIZATION_KEY_PATTERN.test(sentKey)) {
      throw new ApiError(
        400,
        "invalid_request",
        "An AuthorizationKey is 16 to 255 printable ASCII characters",
        {
          in: "body",
          field: action === "ChangeConfiguration" ? "value" : "setVariableData",
        },
      );
    }
    if (extension) {
      // A URL minted for a command that cannot go out would never be used (nor one for an unknown id).
      if (hasLocationPlaceholder(action, payload) && !registry.isConnected(params.id)) {
        throw commandApiError(new NotConnectedError(params.id, action));
      }
      payload = await withLocations(c, action, payload, definition.request, {
        chargePointId: params.id,
        createdBy: requestedBy,
        extension,
      });
    }
    // Security Whitepaper A05: a raise waits for the station's first connection with it (409 for a lower one).
    const sentProfile = profileSent(action, payload);
    if (sentProfile === "invalid") {
      throw new ApiError(400, "invalid_request", "A SecurityProfile is 0, 1, 2 or 3", {
        in: "body",
        field: profileField(action),
      });
    }
    const raise = sentProfile !== null && profileRaises
      ? await profileRaises.raise(
        params.id,
        sentProfile,
        requestedBy,
        registry.isConnected(params.id),
        query.force ?? false,
      )
      : null;
    // The station did not take it: nothing changes (one it may hold stays pending, harmless until it connects).
    const forgetRaise = async (raised: PendingRaise | null, why: string) => {
      if (raised === null || !profileRaises) return;
      try {
        await profileRaises.forget(params.id, raised, requestedBy, why);
      } catch (error) {
        logger.warn("cannot forget a pending security profile", {
          chargePointId: params.id,
          error: String(error),
        });
      }
    };
    // Pending only when it can go out (not connected: nothing to settle, no record to make).
    const hash = sentKey !== null && pendingKeys && registry.isConnected(params.id)
      ? await pendingKeys.pend(params.id, sentKey, requestedBy, `AuthorizationKey sent (${action})`)
      : null;
    // A key the station may hold stays pending: it is let in with either until one settles it.
    const settleKey = async (fate: PendingKeyFate, why: string) => {
      if (hash === null || !pendingKeys || fate === "keep") return;
      try {
        await pendingKeys.settle(params.id, hash, fate === "take", requestedBy, why);
      } catch (error) {
        // Still pending, so still let in; the station's first connection with it settles it.
        logger.warn("cannot settle a pending AuthorizationKey", {
          chargePointId: params.id,
          error: String(error),
        });
      }
    };
    let answer: unknown;
    try {
      // What the answer teaches beyond the station (stored profiles, the managed list), timely or late, is told
      // by the node holding the station (command_answers.ts).
      answer = await registry.send(params.id, action, payload, {
        force: query.force ?? false,
        requestedBy,
        answerEffects: true,
        // A late refusal drops this raise, not one stored since (by equality: nodes' clocks differ).
        ...(raise ? { recordsAsked: raiseAsked(raise.pending) } : {}),
      });
    } catch (error) {
      await settleKey(
        pendingKeyFate({ error }),
        "Pending AuthorizationKey dropped: it did not reach the station",
      );
      if (!outcomeUnknown(error)) {
        await forgetRaise(raise, "Pending security profile dropped: it did not reach the station");
      }
      throw commandApiError(error);
    }
    if (raise !== null && profileAnswer(answer) === "refused") {
      await forgetRaise(
        raise,
        `Pending security profile dropped: the station did not accept ${raise.pending.profile}`,
      );
    }
    const fate = pendingKeyFate({ answer: keyAnswer(action, payload, answer) });
    await settleKey(
      fate,
      `AuthorizationKey ${fate === "take" ? "accepted" : "not accepted"} by the station (${action})`,
    );
    // The command log keeps no secret either (the domain redacts what it stores).
    let result = redactSecrets(answer) as Record<string, unknown>;
    if (!is16 && action === "RequestStartTransaction") {
      result = { ...result, remoteStartId: (payload as { remoteStartId: number }).remoteStartId };
    }
    return c.json(result, 200);
  });
}

/** The payload with its location placeholders made into URLs, checked again with the action's schema. */
async function withLocations(
  c: Context<ApiEnv>,
  action: string,
  body: unknown,
  schema: Parameters<typeof check>[1],
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
  return expanded.payload === body ? body : check("body", schema, expanded.payload);
}

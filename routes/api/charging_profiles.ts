/**
 * A station's charging profiles as stored objects: what it accepted (and those waiting for it to be back),
 * set and cleared through the Central System so the record stays true, and its composite schedule. Viewers
 * read the record; operators change it and ask the station.
 */
import { z } from "zod";
import type { Registry } from "../../actors/registry.ts";
import { type ProfileProblem, setChargingProfileProblem16 } from "../../energy/charging_profile_rules.ts";
import type { Energy } from "../../energy/mod.ts";
import type { Logger } from "../../logger.ts";
import { ACTIONS } from "../../protocol/ocpp16/mod.ts";
import { CHARGING_PROFILE_PURPOSES } from "../../protocol/ocpp16/enums.ts";
import type { Store } from "../../store/mod.ts";
import { commandApiError } from "./command_errors.ts";
import { principalLabel } from "../../auth/principal.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { ChargePointIdParam, ErrorSchema, urlInt } from "./schemas.ts";

export interface ChargingProfileRouteOptions {
  energy: Energy;
  registry: Registry;
  store: Store;
  logger: Logger;
  now: () => Date;
}

/** An operator's profile that breaks a rule of `energy/charging_profile_rules.ts` is a 400 naming the field. */
export function refuseProfileProblem(problem: ProfileProblem | null): void {
  if (problem === null) return;
  throw new ApiError(400, "invalid_request", problem.message, { in: "body", field: problem.field });
}

/**
 * An operator's profile that would fight load management's (`LoadManager.operatorProfileClash`) is a 409
 * naming the field; `at` is the path of the profile in the body.
 */
export async function refuseLoadManagementClash(
  energy: Energy,
  chargePointId: string,
  profile: { chargingProfileId: number; stackLevel: number; chargingProfilePurpose: string },
  fields: { chargingProfileId: string; stackLevel: string },
): Promise<void> {
  const clash = await energy.loadManager.operatorProfileClash(chargePointId, profile);
  if (clash === null) return;
  throw new ApiError(409, "conflict", clash.message, { in: "body", field: fields[clash.field] });
}

export const StoredProfileSchema = z.object({
  chargePointId: z.string(),
  connectorId: z.number().int(),
  chargingProfileId: z.number().int(),
  stackLevel: z.number().int(),
  chargingProfilePurpose: z.enum(CHARGING_PROFILE_PURPOSES),
  transactionId: z.number().int().nullable(),
  profile: ACTIONS.SetChargingProfile.request.shape.csChargingProfiles,
  source: z.enum(["api", "loadManagement", "command"]),
  state: z.enum(["installed", "pending"]).describe(
    "installed: the station accepted it; pending: to be sent when the station is back",
  ),
  requestedBy: z.string(),
  updatedAt: z.string(),
});

export const ChargingProfileListSchema = z.object({
  items: z.array(StoredProfileSchema),
  refusedReason: z.string().nullable().describe("Why the station refuses profiles; null when it takes them"),
  siteId: z.string().nullable().describe("The site whose load management steers it"),
});

const ProfileIdParam = ChargePointIdParam.extend({
  chargingProfileId: urlInt(0, 2 ** 31 - 1),
});

const smallInt = urlInt(0, 2 ** 31 - 1);
const ClearQuery = z.object({
  connectorId: smallInt.optional(),
  chargingProfilePurpose: z.enum(CHARGING_PROFILE_PURPOSES).optional(),
  stackLevel: smallInt.optional(),
});

const CompositeQuery = z.object({
  connectorId: smallInt.default(0).describe("0: the whole station"),
  durationS: urlInt(1, 7 * 86_400).default(86_400),
});

const CLEARED = {
  description:
    "The station's answer (Cleared: only profiles that never reached it) and the ids no longer stored",
  schema: z.object({ status: z.string(), removed: z.array(z.number().int()) }),
};

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
  404: { description: "Unknown charge point (or profile)", schema: ErrorSchema },
};
const STATION_ERRORS = {
  409: { description: "Not connected", schema: ErrorSchema },
  502: { description: "The station answered with a CALLERROR or an invalid payload", schema: ErrorSchema },
  504: { description: "The station did not answer in time", schema: ErrorSchema },
};

export function addChargingProfileRoutes(router: ApiRouter, options: ChargingProfileRouteOptions): void {
  const { energy, registry, store, logger, now } = options;
  const profiles = energy.profiles;

  /** `toSet`: a new profile is to be kept for it, which a decommissioned station would never get. */
  async function mustKnow(id: string, toSet = false): Promise<void> {
    if (registry.isConnected(id)) return;
    const record = await store.getChargePoint(id);
    if (!record) throw new ApiError(404, "not_found", `Charge point "${id}" is unknown`);
    // Out of service: a profile kept for it would wait for a station that is refused when it connects.
    if (toSet && record.decommissionedAt) {
      throw new ApiError(409, "conflict", `Charge point "${id}" is decommissioned`);
    }
  }

  /** Runs a command through the profile service; its failures become the commands' HTTP answers. */
  async function station<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw commandApiError(error);
    }
  }

  /**
   * Runs an operator's set or clear, then has load management divide the station's site again at once,
   * whatever the outcome (a timeout may still have reached the station): a clear may have taken its limits.
   */
  async function afterwardsRedivide<T>(chargePointId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      energy.operatorChangedProfiles(chargePointId);
    }
  }

  router.add({
    method: "get",
    path: "/v1/charge-points/{id}/charging-profiles",
    operationId: "listChargingProfiles",
    summary: "The charging profiles a station holds, as far as the Central System knows",
    tag: "Charging profiles",
    access: "viewer",
    params: ChargePointIdParam,
    responses: { 200: { description: "Its stored profiles", schema: ChargingProfileListSchema }, ...ERRORS },
  }, async (c, { params }) => {
    await mustKnow(params.id);
    const [items, support, siteId] = await Promise.all([
      profiles.list(params.id),
      energy.store.getChargingProfileSupport(params.id),
      energy.store.siteOfChargePoint(params.id),
    ]);
    return c.json({ items, refusedReason: support?.refusedReason ?? null, siteId });
  });

  router.add({
    method: "post",
    path: "/v1/charge-points/{id}/charging-profiles",
    operationId: "setChargingProfile",
    summary: "Set a charging profile and keep it (re-sent after the station reboots)",
    description:
      "The body is a SetChargingProfile.req. 201: the station accepted it. 202: the station is not " +
      "connected; the profile is kept and sent when it is back (not for a TxProfile: 409). 400 for what " +
      "OCPP forbids beyond the schema (negative limits or stack levels, periods not starting at 0 and " +
      "increasing, validTo past, Absolute without startSchedule, ...), more than 1024 periods, or a limit " +
      "above 10000 A / 10000000 W. A set or clear on a station of a site makes its site divided again at once.",
    tag: "Charging profiles",
    access: "operator",
    params: ChargePointIdParam,
    body: ACTIONS.SetChargingProfile.request,
    responses: {
      201: {
        description: "Accepted and stored",
        schema: z.object({ status: z.literal("Accepted"), profile: StoredProfileSchema }),
      },
      202: {
        description: "Stored, to be sent when the station is back",
        schema: z.object({ status: z.literal("Pending"), profile: StoredProfileSchema }),
      },
      ...ERRORS,
      ...STATION_ERRORS,
      409: {
        description:
          "The station rejected it (nothing stored), a TxProfile for a station not connected or for no " +
          "transaction running where it says (its transactionId, its connector; connector 0: none at all), the " +
          "station is decommissioned, or it would fight load management (an id of its range, or its stack " +
          "level for a TxProfile or TxDefaultProfile on a station of a site)",
        schema: ErrorSchema,
      },
    },
  }, async (c, { params, body, principal }) => {
    // The schema leaves limits, stack levels and periods unbounded and unordered: nothing wrong goes out.
    refuseProfileProblem(setChargingProfileProblem16(body, now()));
    await mustKnow(params.id, true);
    const profile = body.csChargingProfiles;
    await refuseLoadManagementClash(energy, params.id, profile, {
      chargingProfileId: "csChargingProfiles.chargingProfileId",
      stackLevel: "csChargingProfiles.stackLevel",
    });
    // A TxProfile for no transaction running where it says: the station would discard it (409).
    const txClash = await energy.txProfileClash(params.id, body);
    if (txClash) throw new ApiError(409, "conflict", txClash.message, { in: "body", field: txClash.field });
    const requestedBy = principalLabel(principal);
    const outcome = await afterwardsRedivide(
      params.id,
      () => station(() => profiles.set(params.id, body, { source: "api", requestedBy })),
    );
    logger.info("charging profile set", {
      chargePointId: params.id,
      chargingProfileId: body.csChargingProfiles.chargingProfileId,
      status: outcome.status,
      by: requestedBy,
    });
    if (outcome.status === "Accepted") return c.json(outcome, 201);
    if (outcome.status === "Pending") return c.json(outcome, 202);
    throw new ApiError(
      409,
      "profile_rejected",
      `"${params.id}" answered SetChargingProfile with ${outcome.status}`,
      {
        status: outcome.status,
      },
    );
  });

  router.add({
    method: "delete",
    path: "/v1/charge-points/{id}/charging-profiles/{chargingProfileId}",
    operationId: "clearChargingProfile",
    summary: "Clear one stored charging profile",
    tag: "Charging profiles",
    access: "operator",
    params: ProfileIdParam,
    responses: {
      200: CLEARED,
      ...ERRORS,
      ...STATION_ERRORS,
    },
  }, async (c, { params, principal }) => {
    await mustKnow(params.id);
    const stored = await profiles.list(params.id);
    if (!stored.some((p) => p.chargingProfileId === params.chargingProfileId)) {
      throw new ApiError(
        404,
        "not_found",
        `"${params.id}" has no stored charging profile ${params.chargingProfileId}`,
      );
    }
    const requestedBy = principalLabel(principal);
    const outcome = await afterwardsRedivide(
      params.id,
      () => station(() => profiles.clear(params.id, { id: params.chargingProfileId }, requestedBy)),
    );
    return c.json(outcome);
  });

  router.add({
    method: "delete",
    path: "/v1/charge-points/{id}/charging-profiles",
    operationId: "clearChargingProfiles",
    summary: "Clear the charging profiles that match every given filter (all of them without a filter)",
    tag: "Charging profiles",
    access: "operator",
    params: ChargePointIdParam,
    query: ClearQuery,
    responses: {
      200: CLEARED,
      ...ERRORS,
      ...STATION_ERRORS,
    },
  }, async (c, { params, query, principal }) => {
    await mustKnow(params.id);
    const requestedBy = principalLabel(principal);
    const request = {
      ...(query.connectorId !== undefined ? { connectorId: query.connectorId } : {}),
      ...(query.chargingProfilePurpose !== undefined
        ? { chargingProfilePurpose: query.chargingProfilePurpose }
        : {}),
      ...(query.stackLevel !== undefined ? { stackLevel: query.stackLevel } : {}),
    };
    return c.json(
      await afterwardsRedivide(
        params.id,
        () => station(() => profiles.clear(params.id, request, requestedBy)),
      ),
    );
  });

  router.add({
    method: "get",
    path: "/v1/charge-points/{id}/composite-schedule",
    operationId: "getCompositeSchedule",
    summary:
      "Ask the station for a connector's composite schedule in amps; re-send our profiles if it lost them",
    tag: "Charging profiles",
    access: "operator",
    acts: true,
    params: ChargePointIdParam,
    query: CompositeQuery,
    responses: {
      200: {
        description: "The station's answer, and whether it showed lost profiles (they were sent again)",
        schema: z.object({ schedule: ACTIONS.GetCompositeSchedule.response, lost: z.boolean() }),
      },
      ...ERRORS,
      ...STATION_ERRORS,
    },
  }, async (c, { params, query, principal }) => {
    await mustKnow(params.id);
    const requestedBy = principalLabel(principal);
    return c.json(
      await station(() => profiles.verify(params.id, query.connectorId, query.durationS, requestedBy)),
    );
  });
}

/**
 * Sites: stations sharing a grid connection whose limit (amps per phase) load management divides among their
 * charging sessions. Viewers read them; operators create, change and delete them.
 */
import { z } from "zod";
import type { Energy } from "../../energy/mod.ts";
import type { Logger } from "../../logger.ts";
import type { SiteRecord } from "../../model/site.ts";
import { isChargePointId } from "../../protocol/ocppj/charge_point_id.ts";
import { decimalMultipleOf } from "../../protocol/ocppj/json_schema.ts";
import { SiteConflictError } from "../../store/energy.ts";
import type { Store } from "../../store/mod.ts";
import { principalLabel } from "../../auth/principal.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { ErrorSchema, isoDateTime, limit, pageOf } from "./schemas.ts";

export interface SiteRouteOptions {
  energy: Energy;
  /** Whether a station is in service (a decommissioned one joins no site). */
  chargePoints: Pick<Store, "getChargePoint">;
  logger: Logger;
  now: () => Date;
}

/** Stations per site: a site's sample (every charger's share) must fit one KV value. */
export const MAX_SITE_STATIONS = 100;
/** Counted for a station that refuses profiles when the site does not say otherwise. */
export const DEFAULT_STATION_MAX_A = 32;

const amps = (max: number) => decimalMultipleOf(0.1).min(0).max(max);

const SiteIdParam = z.object({
  siteId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).describe("1 to 64 of A-Z a-z 0-9 . _ -"),
});

const SiteBody = z.object({
  name: z.string().min(1).max(100),
  maxCurrentA: amps(10_000).describe("The grid connection's limit in amps per phase (one decimal)"),
  chargePointIds: z.array(
    z.string().refine(isChargePointId, "Not a charge point id (1 to 48 printable ASCII characters)"),
  ).max(MAX_SITE_STATIONS).refine(
    (ids) => new Set(ids).size === ids.length,
    "Charge point ids must be unique",
  )
    .describe(`The site's stations (at most ${MAX_SITE_STATIONS}); a station belongs to one site`),
  stationMaxCurrentA: amps(1000).refine((v) => v > 0, "Must be above 0").optional().describe(
    `What one connector draws at most, counted for stations that refuse profiles (default ${DEFAULT_STATION_MAX_A})`,
  ),
}).strict();

const ListQuery = z.object({
  after: z.string().max(64).optional().describe("Cursor: the nextCursor of the previous page"),
  limit: limit(100, 500),
});

const SamplesQuery = z.object({
  before: isoDateTime.optional().describe("Cursor: only samples before this time"),
  limit: limit(100, 2000),
});

export const SiteSchema = z.object({
  siteId: z.string(),
  name: z.string(),
  maxCurrentA: z.number(),
  chargePointIds: z.array(z.string()),
  stationMaxCurrentA: z.number(),
  updatedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const SiteSampleSchema = z.object({
  siteId: z.string(),
  at: z.string(),
  limitA: z.number(),
  fixedA: z.number().describe("Counted for sessions the site cannot steer (refusing or offline stations)"),
  allocatedA: z.number(),
  measuredA: z.number().nullable(),
  chargers: z.array(z.object({
    chargePointId: z.string(),
    connectorId: z.number().int(),
    transactionId: z.number().int(),
    kind: z.enum(["allocated", "waiting", "refuses", "offline", "released"]),
    limitA: z.number(),
    appliedA: z.number().nullable().describe("The limit the station accepted, null when unknown"),
    measuredA: z.number().nullable(),
  })),
});

export const SiteDetailSchema = SiteSchema.extend({
  allocation: SiteSampleSchema.nullable().describe("The latest allocation, null before the first one"),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};
const NOT_FOUND = { 404: { description: "Unknown site", schema: ErrorSchema } };

export function addSiteRoutes(router: ApiRouter, options: SiteRouteOptions): void {
  const { energy, chargePoints, logger, now } = options;
  const store = energy.store;

  async function mustGet(siteId: string): Promise<SiteRecord> {
    const site = await store.getSite(siteId);
    if (!site) throw new ApiError(404, "not_found", `Site "${siteId}" is unknown`);
    return site;
  }

  router.add({
    method: "get",
    path: "/v1/sites",
    operationId: "listSites",
    summary: "Sites, sorted by siteId",
    tag: "Load management",
    access: "viewer",
    query: ListQuery,
    responses: { 200: { description: "A page of sites", schema: pageOf(SiteSchema) }, ...ERRORS },
  }, async (c, { query }) => {
    const items = await store.listSites({
      limit: query.limit,
      ...(query.after !== undefined ? { after: query.after } : {}),
    });
    const last = items.at(-1);
    return c.json({ items, nextCursor: items.length >= query.limit && last ? last.siteId : null });
  });

  router.add({
    method: "get",
    path: "/v1/sites/{siteId}",
    operationId: "getSite",
    summary: "One site and its latest allocation",
    tag: "Load management",
    access: "viewer",
    params: SiteIdParam,
    responses: { 200: { description: "The site", schema: SiteDetailSchema }, ...ERRORS, ...NOT_FOUND },
  }, async (c, { params }) => {
    const site = await mustGet(params.siteId);
    const [latest] = await store.listSiteSamples(site.siteId, { limit: 1 });
    return c.json({ ...site, allocation: latest ?? null });
  });

  router.add({
    method: "get",
    path: "/v1/sites/{siteId}/samples",
    operationId: "listSiteSamples",
    summary: "A site's allocations over time, newest first (kept for a day)",
    tag: "Load management",
    access: "viewer",
    params: SiteIdParam,
    query: SamplesQuery,
    responses: {
      200: { description: "Samples", schema: z.object({ items: z.array(SiteSampleSchema) }) },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params, query }) => {
    await mustGet(params.siteId);
    const items = await store.listSiteSamples(params.siteId, {
      limit: query.limit,
      ...(query.before !== undefined ? { before: query.before } : {}),
    });
    return c.json({ items });
  });

  router.add({
    method: "put",
    path: "/v1/sites/{siteId}",
    operationId: "putSite",
    summary: "Create or change a site: its name, grid limit and stations",
    description: "The site's limit is divided among the active transactions of its stations at once.",
    tag: "Load management",
    access: "operator",
    params: SiteIdParam,
    body: SiteBody,
    responses: {
      200: { description: "Changed", schema: SiteSchema },
      201: { description: "Created", schema: SiteSchema },
      ...ERRORS,
      409: { description: "A station already belongs to another site", schema: ErrorSchema },
    },
  }, async (c, { params, body, principal }) => {
    const existing = await store.getSite(params.siteId);
    // A station out of service joins no site (its share of the current would go to a station that cannot
    // come); one already a member may stay, as it was when decommissioned.
    for (const id of body.chargePointIds) {
      if (existing?.chargePointIds.includes(id)) continue;
      if ((await chargePoints.getChargePoint(id))?.decommissionedAt) {
        throw new ApiError(409, "conflict", `Charge point "${id}" is decommissioned`, {
          chargePointId: id,
        });
      }
    }
    const at = now().toISOString();
    const site: SiteRecord = {
      siteId: params.siteId,
      name: body.name,
      maxCurrentA: body.maxCurrentA,
      chargePointIds: [...body.chargePointIds].sort(),
      stationMaxCurrentA: body.stationMaxCurrentA ?? existing?.stationMaxCurrentA ?? DEFAULT_STATION_MAX_A,
      updatedBy: principalLabel(principal),
      createdAt: existing?.createdAt ?? at,
      updatedAt: at,
    };
    try {
      await store.putSite(site);
    } catch (error) {
      if (!(error instanceof SiteConflictError)) throw error;
      throw new ApiError(409, "conflict", error.message, {
        chargePointId: error.chargePointId,
        siteId: error.otherSiteId,
      });
    }
    logger.info(existing ? "site changed" : "site created", {
      siteId: site.siteId,
      maxCurrentA: site.maxCurrentA,
      stations: site.chargePointIds.length,
      by: site.updatedBy,
    });
    energy.siteChanged(
      site.siteId,
      (existing?.chargePointIds ?? []).filter((id) => !site.chargePointIds.includes(id)),
    );
    return c.json(site, existing ? 200 : 201);
  });

  router.add({
    method: "delete",
    path: "/v1/sites/{siteId}",
    operationId: "deleteSite",
    summary: "Delete a site: its stations are no longer load-managed",
    tag: "Load management",
    access: "operator",
    params: SiteIdParam,
    responses: { 204: { description: "Deleted" }, ...ERRORS, ...NOT_FOUND },
  }, async (c, { params, principal }) => {
    const existing = await mustGet(params.siteId);
    if (!(await store.deleteSite(params.siteId))) {
      throw new ApiError(404, "not_found", `Site "${params.siteId}" is unknown`);
    }
    logger.info("site deleted", { siteId: params.siteId, by: principalLabel(principal) });
    energy.siteChanged(params.siteId, existing.chargePointIds);
    return c.body(null, 204);
  });
}

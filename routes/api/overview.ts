/**
 * `GET /api/v1/overview`: the dashboard's overview in one answer: live KPIs, what needs attention, and one
 * page of the station table after search, filters and sort (overview/fleet.ts says how each is defined).
 */
import { z } from "zod";
import type { Registry } from "../../actors/registry.ts";
import { FILTER_STATUSES } from "../../overview/connector_status.ts";
import { ATTENTION_KINDS, buildFleet, selectRows, SORT_KEYS } from "../../overview/fleet.ts";
import type { FleetScanner } from "../../overview/fleet_scan.ts";
import type { ApiRouter } from "./http.ts";
import {
  AwaitingStatusSchema,
  ChargePointSummarySchema,
  ErrorSchema,
  isoDateTime,
  limit,
  queryBoolean,
  urlInt,
} from "./schemas.ts";

export interface OverviewRouteOptions {
  scanner: FleetScanner;
  now: () => Date;
  /** Stations offline longer than this need attention. */
  offlineAfterMinutes: number;
  /** Connected stations with no status since their boot for longer than this need attention. */
  statusGraceMs: number;
}

const OverviewQuery = z.object({
  search: z.string().max(100).optional().describe(
    "Case-insensitive substring of the id, vendor, model, serial numbers or firmware version",
  ),
  status: z.enum(FILTER_STATUSES).optional().describe(
    "Only stations with a connector in this status (Unknown: the station is offline)",
  ),
  online: queryBoolean.optional().describe("Only connected (true) or only disconnected (false) stations"),
  attention: z.enum(ATTENTION_KINDS).optional().describe(
    "Only stations that need this kind of attention: faulted (a Faulted connector), offline (longer than " +
      "ATTENTION_OFFLINE_MIN), registration (Pending or Rejected), badTags (a running session whose id tag " +
      "was not Accepted), stuck (a running session flagged open after the station's reboot), firmware (the " +
      "station's last firmware status is a failure), protocol (the station sent a frame we refused within 24 h), " +
      "silent (connected and Accepted, no StatusNotification since its boot for longer than STATUS_GRACE_S)",
  ),
  sort: z.enum(SORT_KEYS).default("id").describe(
    "Column to sort by (state: problems first; numbers in ids and versions compare as numbers)",
  ),
  order: z.enum(["asc", "desc"]).default("asc"),
  offset: urlInt(0, 1_000_000).default(0),
  limit: limit(50, 500),
  dayStart: isoDateTime.optional().describe(
    "Start of the day whose energy is counted (the browser's local midnight); default UTC midnight",
  ),
});

const FleetRowSchema = ChargePointSummarySchema.pick({
  id: true,
  online: true,
  connectedAt: true,
  remoteAddress: true,
  lastSeen: true,
  registrationStatus: true,
  boot: true,
  connectors: true,
}).extend({
  ocppVersion: z.string().nullable().describe(
    "The dialect of its last connection: ocpp1.6 or ocpp2.0.1 (null: it never connected)",
  ),
  firmwareStatus: z.string().nullable().describe(
    "The station's last firmware status (null before one, or once an operator dismissed a failure)",
  ),
  sessions: z.array(z.number().int()).describe("Running sessions' transaction ids"),
  energyTodayWh: z.number(),
  attention: z.array(z.enum(ATTENTION_KINDS)),
  awaitingStatus: AwaitingStatusSchema,
});

export const OverviewSchema = z.object({
  kpis: z.object({
    stations: z.number().int(),
    online: z.number().int(),
    offline: z.number().int(),
    faultedConnectors: z.number().int(),
    activeSessions: z.number().int(),
    energyTodayWh: z.number().describe("Finished sessions that started today plus running sessions so far"),
    availability: z.number().nullable().describe(
      "0..1: connectors of online stations not Faulted/Unavailable",
    ),
    utilisation: z.number().nullable().describe("0..1: online stations' connectors with a session running"),
  }),
  attention: z.object({
    faulted: z.number().int().describe("Faulted connectors of online stations"),
    offline: z.number().int().describe("Stations offline longer than offlineAfterMinutes"),
    registration: z.number().int().describe("Stations Pending or Rejected"),
    badTags: z.number().int().describe("Running sessions whose id tag was not Accepted"),
    stuck: z.number().int().describe("Running sessions flagged open after their station's reboot"),
    firmware: z.number().int().describe(
      "Stations whose last firmware status is a failure (DownloadFailed, InstallationFailed, " +
        "InvalidSignature, InstallVerificationFailed) until their next status",
    ),
    protocol: z.number().int().describe(
      "Stations that sent a frame we refused (invalid JSON, a schema's violation, an unknown action or " +
        "message type) within the last 24 h: see the station's protocolErrors and recent frames",
    ),
    silent: z.number().int().describe(
      "Stations connected and not reporting: Accepted, and no StatusNotification since their boot (or their " +
        "connection, when later) for longer than STATUS_GRACE_S",
    ),
  }),
  offlineAfterMinutes: z.number().int(),
  dayStart: z.string(),
  total: z.number().int().describe("Stations matching the search and filters"),
  offset: z.number().int(),
  limit: z.number().int(),
  items: z.array(FleetRowSchema),
  generatedAt: z.string(),
  capped: z.boolean().describe("The fleet is larger than one scan reads: counts are lower bounds"),
  stale: z.boolean().describe("A station changed after this was computed: ask again after retryAfterMs"),
  retryAfterMs: z.number().int(),
  nextOverdueInMs: z.number().int().nullable().describe(
    "Milliseconds until the next station starting up turns silent (its STATUS_GRACE_S ends), any station, " +
      "shown or not: the counts change then without an event, so ask again then (null: none is starting up)",
  ),
});

/** Midnight UTC of `at`. */
function utcMidnight(at: Date): string {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())).toISOString();
}

export function addOverviewRoutes(router: ApiRouter, options: OverviewRouteOptions): void {
  router.add({
    method: "get",
    path: "/v1/overview",
    operationId: "overview",
    summary: "Live KPIs, what needs attention, and a page of the station table (search, filters, sort)",
    tag: "Charge points",
    access: "viewer",
    query: OverviewQuery,
    responses: {
      200: { description: "The overview", schema: OverviewSchema },
      400: { description: "Invalid request", schema: ErrorSchema },
      401: { description: "Not authenticated", schema: ErrorSchema },
    },
  }, async (c, { query }) => {
    const now = options.now();
    const dayStart = query.dayStart ?? utcMidnight(now);
    const data = await options.scanner.read(dayStart);
    const fleet = buildFleet({
      ...data,
      now,
      offlineAfterMs: options.offlineAfterMinutes * 60_000,
      statusGraceMs: options.statusGraceMs,
    });
    const rows = selectRows(fleet.rows, {
      ...(query.search !== undefined ? { search: query.search } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(query.online !== undefined ? { online: query.online } : {}),
      ...(query.attention !== undefined ? { attention: query.attention } : {}),
      sort: query.sort,
      order: query.order,
    });
    return c.json({
      kpis: fleet.kpis,
      attention: fleet.attention,
      offlineAfterMinutes: options.offlineAfterMinutes,
      dayStart,
      total: rows.length,
      offset: query.offset,
      limit: query.limit,
      items: rows.slice(query.offset, query.offset + query.limit),
      generatedAt: data.at.toISOString(),
      capped: data.capped,
      stale: data.stale,
      retryAfterMs: Math.ceil(data.retryAfterMs),
      nextOverdueInMs: fleet.nextOverdueAt === null
        ? null
        : Math.max(0, Math.ceil(Date.parse(fleet.nextOverdueAt) - now.getTime())),
    });
  });
}

/**
 * The registry as the scanner sees it: who is connected (in a cluster, on any node), with the live snapshot of
 * this process's stations (the others' come from the store, which their actors keep current).
 */
export function liveStations(registry: Registry) {
  return {
    connected: () =>
      registry.listCluster().map(({ nodeId: _, ...s }) => ({
        ...s,
        snapshot: registry.get(s.id)?.snapshot ?? null,
      })),
  };
}

/**
 * Stations: list (online from the registry, the rest from the store), detail, status history, stored
 * configuration, command log, meter values, the last OCPP frames, failed handshakes, and registration.
 *
 * Routes never write a station's snapshot: registration is a patch of the operator's own field, applied by the
 * station's actor when it is connected and committed by the registry when it is not.
 */
import { z } from "zod";
import { type Principal, principalLabel } from "../../auth/principal.ts";
import { CLOSE_CODES } from "../../actors/charge_point.ts";
import type { Registry, StationConnection } from "../../actors/registry.ts";
import { awaitingStatus, STATUS_GRACE_MS } from "../../overview/awaiting_status.ts";
import type { Logger } from "../../logger.ts";
import { isChargePointId } from "../../protocol/ocppj/charge_point_id.ts";
import { redactSecrets } from "../../protocol/ocppj/secret_values.ts";
import { REGISTRATION_STATUSES } from "../../protocol/ocpp16/enums.ts";
import { type ChargePointRecord, type LiveRecord, withDetails } from "../../model/charge_point.ts";
import { deviceModelKey } from "../../model/device_model.ts";
import {
  encodeListCursor,
  ForeignCursorError,
  isHistorySequence,
  isMeterValueCursorId,
  type ListCursor,
} from "../../model/list_cursor.ts";
import type { HistoryPage, HistoryPageRequest, Store } from "../../store/mod.ts";
import { withLedgerIds } from "../../overview/evse_transactions.ts";
import type { HandshakeLog } from "../../security/handshake_log.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import type { Role } from "../../store/auth.ts";
import { framesFor, protocolErrorsFor } from "./frame_access.ts";
import { refuseOutlivingGrant, refuseOutlivingRegistration } from "./outliving_grants.ts";
import {
  ChargePointDetailSchema,
  ChargePointIdParam,
  ChargePointSummarySchema,
  CommandLogSchema,
  DeviceModelPageSchema,
  ErrorSchema,
  FileStatusSchema,
  limit,
  listCursor,
  listOf,
  MeterValueSchema,
  pageOf,
  queryBoolean,
  StatusHistorySchema,
} from "./schemas.ts";

export interface ChargePointRouteOptions {
  registry: Registry;
  store: Store;
  logger: Logger;
  handshakes: HandshakeLog;
  now: () => Date;
  /** How long after its boot a connected station may send no status (`overview/awaiting_status.ts`). */
  statusGraceMs?: number;
}

/** `none`: never booted (no registration status yet). */
const REGISTRATION_VALUE = `(${[...REGISTRATION_STATUSES, "none"].join("|")})`;
const REGISTRATION_FILTER = new RegExp(`^${REGISTRATION_VALUE}(,${REGISTRATION_VALUE})*$`);
/**
 * The store cannot filter on registration, so a filtered list reads it in pages of SCAN_BATCH, at most
 * SCAN_BATCHES of them per request; a request that runs out returns the last id looked at as its cursor.
 */
const SCAN_BATCH = 500;
const SCAN_BATCHES = 20;

const ListQuery = z.object({
  search: z.string().max(100).optional().describe("Case-insensitive substring of the id"),
  online: queryBoolean.optional().describe("Only connected (true) or only disconnected (false) stations"),
  registration: z.string().max(60).regex(REGISTRATION_FILTER).transform((v) => new Set(v.split(",")))
    .optional().describe(
      "Only these registration statuses, comma-separated: Accepted, Pending, Rejected, none (never booted)",
    ),
  decommissioned: queryBoolean.optional().describe(
    "Only decommissioned stations (true); by default only those in service",
  ),
  after: z.string().max(100).optional().describe("Cursor: the nextCursor of the previous page"),
  limit: limit(50, 500),
});

const LimitQuery = z.object({ limit: limit(100, 1000) });

/** A station history's query: the newest first, or the page after `before` (a nextCursor of the same list). */
const HistoryQuery = LimitQuery.extend({ before: listCursor(isHistorySequence) });

/** The station's meter values: within one time, by the entry that holds them and their place in it. */
const MeterValuesQuery = LimitQuery.extend({ before: listCursor(isMeterValueCursorId) });

const PAGED_HISTORY = "Paged: pass `nextCursor` back as `before` for the next page (null on the last one); " +
  "entries of the same millisecond keep the order they were stored in, so none is repeated or skipped.";

/** A page of a station history, as it goes out. */
function historyPageOf(item: z.ZodTypeAny) {
  return pageOf(item, "Pass it as `before` for the next page; null on the last");
}

/**
 * One page of a station's history and its nextCursor; a cursor of another store (well formed, but not one this
 * store hands out) is refused as any malformed one is, never read as the first page.
 */
async function readHistoryPage<T>(
  read: (page: HistoryPageRequest) => Promise<HistoryPage<T>>,
  query: { limit: number; before?: ListCursor | undefined },
): Promise<{ items: T[]; nextCursor: string | null }> {
  try {
    const page = await read({
      limit: query.limit,
      ...(query.before !== undefined ? { before: query.before } : {}),
    });
    return { items: page.items, nextCursor: page.next === null ? null : encodeListCursor(page.next) };
  } catch (err) {
    if (!(err instanceof ForeignCursorError)) throw err;
    throw new ApiError(400, "invalid_request", `Query parameter: ${err.message}`, {
      in: "query",
      field: "before",
      constraint: "not a nextCursor of this list",
    });
  }
}

const DeviceModelQuery = z.object({
  after: z.string().max(300).optional().describe("Cursor: the nextCursor of the previous page"),
  limit: limit(200, 1000),
});

const RegistrationBody = z.object({
  registrationStatus: z.enum(REGISTRATION_STATUSES).describe(
    "Accepted lets the station in and Rejected shuts it out; Pending holds it out (commands other than " +
      "starting or stopping a session still reach it). Its boots keep each until an operator changes it",
  ),
}).strict();

const FrameSchema = z.object({ at: z.string(), direction: z.enum(["in", "out"]), frame: z.string() });
const HandshakeFailureSchema = z.object({
  at: z.string(),
  chargePointId: z.string().nullable(),
  remoteAddress: z.string(),
  status: z.number().int(),
  reason: z.string(),
});
const ConfigurationSchema = z.object({
  chargePointId: z.string(),
  configuration: z.array(z.object({ key: z.string(), readonly: z.boolean(), value: z.string().optional() }))
    .nullable().describe("The last GetConfiguration answer; null before the first one"),
});

const ERRORS = {
  400: { description: "Invalid request", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};
const NOT_FOUND = { 404: { description: "Unknown charge point", schema: ErrorSchema } };

type Summary = z.infer<typeof ChargePointSummarySchema>;

function summary(
  id: string,
  record: Readonly<LiveRecord> | null,
  connection: StationConnection | null,
  /** The dialect the station's socket speaks, when it is connected to this process. */
  liveDialect: string | null = null,
  /** Who reads it: a viewer does not read what a security event's frame was refused for. */
  role: Role = "viewer",
  /** When and how long it may be starting up: without, it is not judged (awaitingStatus null). */
  waiting: { nowMs: number; graceMs: number } | null = null,
): Summary {
  const online = connection !== null;
  return {
    id,
    online,
    connectedAt: connection?.connectedAt ?? null,
    remoteAddress: connection?.remoteAddress ?? null,
    // Null on a lone process (no cluster, no node name).
    node: connection?.nodeId || null,
    lastSeen: record?.lastSeen ?? null,
    registrationStatus: record?.registrationStatus ?? null,
    ...(record?.registrationHeld ? { registrationHeld: true as const } : {}),
    boot: record?.boot ?? null,
    bootedAt: record?.bootedAt ?? null,
    statusReceivedAt: record?.statusReceivedAt ?? null,
    awaitingStatus: record && waiting
      ? awaitingStatus(
        { online, connectedAt: connection?.connectedAt ?? null, record },
        waiting.nowMs,
        waiting.graceMs,
      )
      : null,
    connectors: record?.connectors ?? [],
    firmwareStatus: record?.firmwareStatus ?? null,
    diagnosticsStatus: record?.diagnosticsStatus ?? null,
    ocppVersion: record?.ocppVersion ?? liveDialect,
    protocolErrors: protocolErrorsFor(role, record?.protocolErrors),
    decommissionedAt: record?.decommissionedAt ?? null,
    createdAt: record?.createdAt ?? null,
    updatedAt: record?.updatedAt ?? null,
  };
}

export function addChargePointRoutes(router: ApiRouter, options: ChargePointRouteOptions): void {
  const { registry, store, logger, now } = options;

  /** A station's summary with its presence in the cluster and, when its socket is here, its dialect. */
  function summarize(id: string, record: Readonly<LiveRecord> | null, role?: Role): Summary {
    return summary(
      id,
      record,
      registry.connection(id),
      registry.get(id)?.dialect.protocol.subprotocol ?? null,
      role,
      { nowMs: now().getTime(), graceMs: options.statusGraceMs ?? STATUS_GRACE_MS },
    );
  }

  /** The freshest snapshot: the live actor's with the details the store holds, else the stored one. */
  async function snapshotOf(id: string): Promise<Readonly<ChargePointRecord> | null> {
    const live = registry.get(id)?.snapshot;
    const stored = await store.getChargePoint(id);
    return live ? withDetails(live, stored) : stored;
  }

  /** Connected stations the store does not hold (not booted yet), sorted by id, after `after`. */
  function unbootedConnected(search: string | undefined, after: string | undefined): string[] {
    const needle = search?.toLowerCase();
    return registry.list().map((s) => s.id)
      .filter((id) => registry.get(id)?.isStored === false)
      .filter((id) => needle === undefined || id.toLowerCase().includes(needle))
      .filter((id) => after === undefined || id > after)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** 404 unless the station is stored or connected (here or on another node). */
  async function mustExist(id: string): Promise<void> {
    if (registry.get(id)?.snapshot || registry.connection(id)) return;
    await recordOf(id);
  }

  /** The freshest snapshot (`snapshotOf`), or null for a connected station not stored yet; else 404. */
  async function recordOf(id: string): Promise<Readonly<ChargePointRecord> | null> {
    const record = await snapshotOf(id);
    if (!record && !registry.connection(id)) {
      throw new ApiError(404, "not_found", `Charge point "${id}" is unknown`);
    }
    return record;
  }

  router.add({
    method: "get",
    path: "/v1/charge-points",
    operationId: "listChargePoints",
    summary: "List stations, sorted by id, with online state, last seen, boot info and connector statuses",
    tag: "Charge points",
    access: "viewer",
    query: ListQuery,
    responses: {
      200: { description: "A page of stations", schema: pageOf(ChargePointSummarySchema) },
      ...ERRORS,
    },
  }, async (c, { query, principal }) => {
    const role = principal?.role ?? "viewer";
    const items: Summary[] = [];
    const decommissioned = query.decommissioned === true;
    const wanted = (record: Readonly<LiveRecord> | null) =>
      Boolean(record?.decommissionedAt) === decommissioned &&
      (query.registration === undefined || query.registration.has(record?.registrationStatus ?? "none"));
    if (query.online === true) {
      // The connected ones are all in memory: sort and page them there.
      const needle = query.search?.toLowerCase();
      // In a cluster, with the other nodes' stations (their presence).
      const ids = registry.listCluster().map((s) => s.id)
        .filter((id) => (needle === undefined || id.toLowerCase().includes(needle)))
        .filter((id) => query.after === undefined || id > query.after)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      let last: string | undefined;
      for (const id of ids) {
        if (items.length >= query.limit) break;
        last = id;
        const connection = registry.connection(id);
        if (!connection) continue;
        const record = registry.get(id)?.snapshot ?? await store.getChargePoint(id);
        if (!wanted(record)) continue;
        items.push(summarize(id, record, role));
      }
      return c.json(pageFor(items, query.limit, last));
    }
    // From the store, in pages; skipping connected ones when only offline stations are wanted, and the
    // ones whose registration is not asked for. Connected stations that have not booted yet are not in the
    // store (nothing is stored for an id before its BootNotification): merged in from the registry.
    const unbooted = query.online === false || decommissioned
      ? []
      : unbootedConnected(query.search, query.after);
    let nextUnbooted = 0;
    /** The last id this page consumed (listed or skipped): the next page starts after it. */
    let cursor: string | undefined;
    const listUnbootedBelow = (below: string | null) => {
      while (nextUnbooted < unbooted.length && items.length < query.limit) {
        const id = unbooted[nextUnbooted] as string;
        if (below !== null && id >= below) return;
        nextUnbooted++;
        cursor = id;
        const actor = registry.get(id);
        if (actor && !actor.isStopping && wanted(actor.snapshot)) {
          items.push(summarize(id, actor.snapshot, role));
        }
      }
    };
    // Decommissioned stations are few: only a list of them (or a registration filter) scans in big pages.
    const filtered = query.registration !== undefined || decommissioned;
    const batchSize = filtered ? Math.max(query.limit, SCAN_BATCH) : query.limit;
    const batches = filtered ? SCAN_BATCHES : 50;
    let after = query.after;
    for (let round = 0; round < batches && items.length < query.limit; round++) {
      const batch = await store.listChargePoints({
        limit: batchSize,
        ...(after !== undefined ? { after } : {}),
        ...(query.search !== undefined && query.search !== "" ? { search: query.search } : {}),
      });
      for (const stored of batch) {
        listUnbootedBelow(stored.id);
        if (items.length >= query.limit) break;
        cursor = stored.id;
        const connection = registry.connection(stored.id);
        if (query.online === false && connection) continue;
        const record = (connection ? registry.get(stored.id)?.snapshot : null) ?? stored;
        if (!wanted(record)) continue;
        items.push(summarize(stored.id, record, role));
        if (items.length >= query.limit) break;
      }
      if (batch.length < batchSize) {
        listUnbootedBelow(null);
        return c.json({ items, nextCursor: items.length >= query.limit ? cursor ?? null : null });
      }
      after = cursor;
    }
    return c.json({ items, nextCursor: cursor ?? null });
  });

  router.add({
    method: "get",
    path: "/v1/charge-points/{id}",
    operationId: "getChargePoint",
    summary: "One station: snapshot, connection, pending command",
    tag: "Charge points",
    access: "viewer",
    params: ChargePointIdParam,
    responses: {
      200: { description: "The station", schema: ChargePointDetailSchema },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params, principal }) => {
    const record = await recordOf(params.id);
    const actor = registry.get(params.id);
    const online = actor !== undefined && !actor.isStopping;
    return c.json({
      ...summarize(params.id, record, principal?.role ?? "viewer"),
      scheduledAvailability: record?.scheduledAvailability ?? [],
      localListVersion: record?.localListVersion ?? null,
      reservations: unexpired(record?.reservations ?? [], Date.now()).map((r) => ({
        ...r,
        unconfirmed: r.unconfirmed === true,
      })),
      evses: await withLedgerIds(store, params.id, record?.evses ?? []),
      chargingReports: record?.chargingReports ?? null,
      pendingCall: online ? actor.pendingCall : null,
      hasConfiguration: record?.configuration != null,
    });
  });

  router.add({
    method: "put",
    path: "/v1/charge-points/{id}",
    operationId: "registerChargePoint",
    summary: "Pre-register a station, or set its registration status (e.g. accept a Pending one)",
    description:
      "A connected station's snapshot is changed by its own actor, so an accepted Pending station " +
      "is served at once; an offline one gets the new status at its next connection.",
    tag: "Charge points",
    access: "admin",
    params: ChargePointIdParam,
    body: RegistrationBody,
    responses: {
      200: { description: "Updated", schema: ChargePointSummarySchema },
      201: { description: "Pre-registered (it was unknown)", schema: ChargePointSummarySchema },
      ...ERRORS,
    },
  }, async (c, { params, body, principal }) => {
    if (!isChargePointId(params.id)) {
      throw new ApiError(
        400,
        "invalid_request",
        `Charge point id ${JSON.stringify(params.id)} must be 1-48 printable characters`,
        {
          in: "path",
          field: "id",
        },
      );
    }
    const before = await snapshotOf(params.id);
    refuseOutlivingRegistration(
      principal,
      params.id,
      before?.registrationStatus ?? null,
      body.registrationStatus,
    );
    const at = now();
    const { record, created } = await registry.updateSnapshot(params.id, {
      registrationStatus: body.registrationStatus,
      registrationHeld: body.registrationStatus === "Pending",
      updatedAt: at.toISOString(),
    });
    logger.info("charge point registration set", {
      chargePointId: params.id,
      registrationStatus: body.registrationStatus,
      created,
      by: principal?.name,
    });
    return c.json(summarize(params.id, record), created ? 201 : 200);
  });

  /** The live stream's and webhooks' `service` event, from the process that made the change. */
  function publishService(id: string, at: string, inService: boolean, principal: Principal | null): void {
    const by = principalLabel(principal);
    registry.deps.events.publish({ type: "service", chargePointId: id, at, inService, by });
  }

  /** A 409 naming the station's running transactions, if it has any. */
  async function refuseRunning(id: string): Promise<void> {
    const running = await store.listTransactions({ chargePointId: id, status: "active", limit: 5 });
    if (running.length === 0) return;
    const ids = running.map((t) => t.transactionId);
    throw new ApiError(
      409,
      "conflict",
      `Charge point "${id}" has running transactions (${
        ids.join(", ")
      }): stop them, or close them as stuck, first`,
      { transactionIds: ids },
    );
  }

  router.add({
    method: "delete",
    path: "/v1/charge-points/{id}",
    operationId: "decommissionChargePoint",
    summary:
      "Decommission a station: refused whenever it connects, left out of lists, the overview, alerts and jobs",
    description: "Nothing is deleted: its transactions, meter values and history stay, and " +
      "`GET /v1/charge-points/{id}` still shows it, with `decommissionedAt`. Its connection, if any, is closed " +
      "with 4003, and so is every later one (a `station_refused` security event, at most one per station " +
      "every 10 minutes). A station with a running transaction is refused (409): stop it, or close it as " +
      "stuck, first. Calling it again closes a connection still open. " +
      "`POST /v1/charge-points/{id}/recommission` puts it back in service.",
    tag: "Charge points",
    access: "admin",
    params: ChargePointIdParam,
    responses: {
      200: { description: "Decommissioned (now or before)", schema: ChargePointSummarySchema },
      ...ERRORS,
      ...NOT_FOUND,
      409: { description: "It has a running transaction", schema: ErrorSchema },
    },
  }, async (c, { params, principal }) => {
    const { id } = params;
    let record: Readonly<LiveRecord> | null = await recordOf(id);
    const already = Boolean(record?.decommissionedAt);
    const at = now().toISOString();
    if (!already) {
      // A transaction must end in the ledger, not vanish with its station from every list.
      await refuseRunning(id);
      record = (await registry.updateSnapshot(id, { decommissionedAt: at, updatedAt: at })).record;
      logger.info("charge point decommissioned", { chargePointId: id, by: principal?.name });
    }
    // Every node is asked, not only the one presence names: a station that connected to another node just
    // before the write (its presence not here yet) is closed too; one that connects after reads the mark.
    // Also when it was already decommissioned: a retry closes what an earlier call could not reach.
    await registry.stopEverywhere(id, CLOSE_CODES.decommissioned, "Decommissioned");
    if (!already) {
      try {
        // One may have started between the check and the write; now closed, the station starts no more.
        await refuseRunning(id);
      } catch (error) {
        await registry.updateSnapshot(id, { decommissionedAt: null, updatedAt: now().toISOString() });
        logger.info("charge point decommission undone: a transaction started meanwhile", {
          chargePointId: id,
        });
        throw error;
      }
      publishService(id, at, false, principal);
    }
    // Closed on every node just now: offline, whatever presence (a moment behind in a cluster) still says.
    return c.json(summary(id, record, null, null));
  });

  router.add({
    method: "post",
    path: "/v1/charge-points/{id}/recommission",
    operationId: "recommissionChargePoint",
    summary: "Put a decommissioned station back in service, its registration status as it was",
    tag: "Charge points",
    access: "admin",
    params: ChargePointIdParam,
    responses: {
      200: { description: "In service (now or before)", schema: ChargePointSummarySchema },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params, principal }) => {
    const record = await recordOf(params.id);
    if (!record?.decommissionedAt) return c.json(summarize(params.id, record));
    // Back in service, it is let in again at every connection.
    refuseOutlivingGrant(principal, `recommission station ${JSON.stringify(params.id)}`);
    const at = now().toISOString();
    const updated = await registry.updateSnapshot(params.id, { decommissionedAt: null, updatedAt: at });
    logger.info("charge point recommissioned", { chargePointId: params.id, by: principal?.name });
    publishService(params.id, at, true, principal);
    return c.json(summarize(params.id, updated.record));
  });

  router.add({
    method: "post",
    path: "/v1/charge-points/{id}/disconnect",
    operationId: "disconnectChargePoint",
    summary: "Close the station's connection (close code 4001); it may reconnect, passing the security check",
    description: "Answers once its actor has stopped. A station that reconnects at once is served again: " +
      "to keep an impostor out, set a security profile or an allow-list first (which also closes it).",
    tag: "Charge points",
    access: "operator",
    params: ChargePointIdParam,
    responses: {
      204: { description: "Disconnected" },
      ...ERRORS,
      409: { description: "Not connected", schema: ErrorSchema },
    },
  }, async (c, { params, principal }) => {
    const notConnected = () =>
      new ApiError(409, "not_connected", `Cannot disconnect "${params.id}": not connected`);
    if (!registry.isConnected(params.id)) throw notConnected();
    // False: it was gone by the time its node was asked (that node died, say).
    if (!await registry.stop(params.id, CLOSE_CODES.stoppedByOperator, "Disconnected by an operator")) {
      throw notConnected();
    }
    logger.info("charge point disconnected by operator", { chargePointId: params.id, by: principal?.name });
    return c.body(null, 204);
  });

  router.add({
    method: "get",
    path: "/v1/charge-points/{id}/status-history",
    operationId: "listStatusHistory",
    summary: "Connector status changes, newest first",
    description: PAGED_HISTORY,
    tag: "Charge points",
    access: "viewer",
    params: ChargePointIdParam,
    query: HistoryQuery,
    responses: {
      200: { description: "A page of the history", schema: historyPageOf(StatusHistorySchema) },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params, query }) => {
    await mustExist(params.id);
    return c.json(await readHistoryPage((page) => store.pageStatusHistory(params.id, page), query));
  });

  router.add({
    method: "get",
    path: "/v1/charge-points/{id}/file-status-history",
    operationId: "listFileStatusHistory",
    summary: "Diagnostics, log and firmware transfer statuses the station reported, newest first",
    description: PAGED_HISTORY,
    tag: "Charge points",
    access: "viewer",
    params: ChargePointIdParam,
    query: HistoryQuery,
    responses: {
      200: { description: "A page of the history", schema: historyPageOf(FileStatusSchema) },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params, query }) => {
    await mustExist(params.id);
    return c.json(await readHistoryPage((page) => store.pageFileStatus(params.id, page), query));
  });

  router.add({
    method: "get",
    path: "/v1/charge-points/{id}/configuration",
    operationId: "getStoredConfiguration",
    summary: "The configuration from the last GetConfiguration answer (send GetConfiguration to refresh it)",
    tag: "Charge points",
    access: "viewer",
    params: ChargePointIdParam,
    responses: {
      200: { description: "Configuration", schema: ConfigurationSchema },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params }) => {
    const record = await recordOf(params.id);
    return c.json({ chargePointId: params.id, configuration: record?.configuration ?? null });
  });

  router.add({
    method: "get",
    path: "/v1/charge-points/{id}/device-model",
    operationId: "listDeviceModel",
    summary: "An OCPP 2.0.1 station's device model, as its NotifyReports described it (send GetBaseReport " +
      "to refresh it), by component and variable",
    tag: "Charge points",
    access: "viewer",
    params: ChargePointIdParam,
    query: DeviceModelQuery,
    responses: {
      200: {
        description: "Device model entries and the cursor of the next page",
        schema: DeviceModelPageSchema,
      },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params, query }) => {
    await mustExist(params.id);
    const items = await store.listDeviceModel(params.id, {
      limit: query.limit,
      ...(query.after !== undefined ? { after: query.after } : {}),
    });
    const last = items.at(-1);
    return c.json({
      // Entries are stored redacted, but not those an older version stored: they are redacted here too.
      items: redactSecrets(items),
      nextCursor: items.length === query.limit && last ? deviceModelKey(last) : null,
    });
  });

  router.add({
    method: "get",
    path: "/v1/charge-points/{id}/commands",
    operationId: "listCommandLog",
    summary: "Commands sent to the station: who, what, and how it ended; newest first",
    description: PAGED_HISTORY,
    tag: "Charge points",
    access: "viewer",
    params: ChargePointIdParam,
    query: HistoryQuery,
    responses: {
      200: { description: "A page of the command log", schema: historyPageOf(CommandLogSchema) },
      ...ERRORS,
    },
  }, async (c, { params, query }) => {
    // No existence check: commands to a station that never connected are logged too.
    const page = await readHistoryPage((page) => store.pageCommandLog(params.id, page), query);
    // As for the device model: what an older version stored unredacted is redacted on the way out.
    return c.json({ ...page, items: redactSecrets(page.items) });
  });

  router.add({
    method: "get",
    path: "/v1/charge-points/{id}/meter-values",
    operationId: "listStationMeterValues",
    summary: "The station's meter values (one per sampled value), newest first",
    description:
      "Paged: pass `nextCursor` back as `before` for the next page (null on the last one); values " +
      "of the same time keep the order they were stored in, so none is repeated or skipped.",
    tag: "Charge points",
    access: "viewer",
    params: ChargePointIdParam,
    query: MeterValuesQuery,
    responses: {
      200: { description: "A page of meter values", schema: historyPageOf(MeterValueSchema) },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params, query }) => {
    await mustExist(params.id);
    return c.json(
      await readHistoryPage((page) => store.pageMeterValuesByChargePoint(params.id, page), query),
    );
  });

  router.add(
    {
      method: "get",
      path: "/v1/charge-points/{id}/frames",
      operationId: "listRecentFrames",
      summary: "The last OCPP frames in and out, oldest first (kept in memory, a few per station)",
      description:
        "For a viewer, a SecurityEventNotification's payload is withheld, and so is the description of " +
        "a CALLERROR we answered one with (or a CALL no longer kept).",
      tag: "Charge points",
      access: "viewer",
      params: ChargePointIdParam,
      responses: { 200: { description: "Frames", schema: listOf(FrameSchema) }, ...ERRORS },
    },
    async (c, { params, principal }) =>
      c.json({ items: framesFor(principal?.role ?? "viewer", await registry.framesOf(params.id)) }),
  );

  router.add({
    method: "get",
    path: "/v1/handshake-failures",
    operationId: "listHandshakeFailures",
    summary: "Refused WebSocket handshakes (who tried, when, why), newest first",
    tag: "Charge points",
    access: "viewer",
    query: LimitQuery,
    responses: { 200: { description: "Failures", schema: listOf(HandshakeFailureSchema) }, ...ERRORS },
  }, async (c, { query }) => c.json({ items: await options.handshakes.listAll(query.limit) }));
}

function pageFor<T>(items: T[], limit: number, last: string | undefined) {
  return { items, nextCursor: items.length >= limit && last !== undefined ? last : null };
}

/** The reservations still in force: one past its expiry was ended by the station itself (OCPP 1.6 §5.13). */
function unexpired<R extends { expiryDate: string }>(reservations: readonly R[], nowMs: number): R[] {
  return reservations.filter((r) => Date.parse(r.expiryDate) > nowMs);
}

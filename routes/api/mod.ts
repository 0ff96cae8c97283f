/**
 * createApiRoutes(deps): the operator API, mounted at `/api` by routes/app.ts. Everything needs a principal
 * (session cookie or Bearer token) except logging in; roles: viewer reads, operator also sends commands,
 * admin also manages users, tokens, id tags and registration.
 *
 * @example
 * ```ts ignore
 * app.route("/api", createApiRoutes({ registry, store, auth, events, handshakes, logger, now, signal, settings }));
 * ```
 */
import type { Hono } from "hono";
import { NodeOutdatedError, NodeTimeoutError } from "../../actors/errors.ts";
import type { EventBus } from "../../actors/events.ts";
import type { Registry } from "../../actors/registry.ts";
import type { Energy } from "../../energy/mod.ts";
import type { Logger } from "../../logger.ts";
import type { Metrics } from "../../metrics/metrics.ts";
import { CredentialRevocations } from "../../auth/revocations.ts";
import type { AuthStore } from "../../store/auth.ts";
import { type Store, StoreUnavailableError } from "../../store/mod.ts";
import type { HandshakeLog } from "../../security/handshake_log.ts";
import { addAuthRoutes } from "./auth.ts";
import { addSetupRoutes } from "./setup.ts";
import { FirstRunSetup } from "../../auth/first_run.ts";
import { authenticate } from "./authenticate.ts";
import { addChargePointRoutes } from "./charge_points.ts";
import { addFirmwareFailureRoutes } from "./firmware_failure.ts";
import { addProtocolErrorsRoutes } from "./protocol_errors.ts";
import { addChargingProfileRoutes } from "./charging_profiles.ts";
import { addCommandRoutes } from "./commands.ts";
import { addEventRoutes } from "./events.ts";
import { addFileRoutes } from "./files.ts";
import { type ApiEnv, ApiError, ApiRouter, errorBody } from "./http.ts";
import { addIdTagRoutes } from "./id_tags.ts";
import { addUnknownIdTagRoutes } from "./unknown_id_tags.ts";
import { addOpenApiRoutes } from "./openapi.ts";
import { addPkiRoutes } from "./pki.ts";
import { addStationSecurityRoutes, stationSecurityWriter } from "./station_security.ts";
import { securityProfileRaises } from "./security_profile_raises.ts";
import type { Security } from "../../security/mod.ts";
import { addSiteRoutes } from "./sites.ts";
import type { SecurityExtension } from "../../files/security_extension.ts";
import { addTransactionRoutes } from "./transactions.ts";
import { addOverviewRoutes, liveStations } from "./overview.ts";
import { FleetScanner } from "../../overview/fleet_scan.ts";
import { addSimulatorRoutes } from "./simulator.ts";
import type { SimulatorControl } from "../../simulator/control.ts";
import type { Fleet } from "../../fleet/mod.ts";
import { FleetError, type FleetErrorKind } from "../../fleet/errors.ts";
import { addJobRoutes } from "./jobs.ts";
import { addWebhookRoutes } from "./webhooks.ts";
import { addReservationRoutes } from "./reservations.ts";
import { addLocalListRoutes } from "./local_list.ts";
import { addDataTransferRoutes } from "./data_transfers.ts";
import { addStuckTransactionRoutes } from "./stuck_transactions.ts";
import { addAlertRoutes } from "./alerts.ts";
import { addServerWarningRoutes } from "./server_warnings.ts";
import type { FailingLoop } from "../../fleet/loop_failures.ts";
import { addClusterNodeRoutes } from "./cluster_nodes.ts";
import type { ClusterNodeView } from "../../cluster/nodes.ts";
import type { NodeWarnings } from "../../cluster/mod.ts";
import { STATUS_GRACE_MS } from "../../overview/awaiting_status.ts";
import { clusterNodeList } from "../../cluster/node_list.ts";

export interface ApiSettings {
  /** Why anyone reaching the port can pose as any station (security/exposure.ts), or null: said to admins. */
  exposure?: string | null;
  sessionTtlHours: number;
  cookieSecure: "auto" | "always" | "never";
  /** Per SSE client; a client further behind is dropped. */
  sseBufferEvents?: number;
  sseKeepAliveMs?: number;
  /** How often an event stream checks that its credential still works (default 30 s). */
  sseRecheckMs?: number;
  /** The overview's attention strip lists stations offline longer than this (default 10 minutes). */
  attentionOfflineMinutes?: number;
  /** How long after its boot a connected station may send no status (default 2 minutes: awaiting_status.ts). */
  statusGraceMs?: number;
}

export interface ApiDeps {
  registry: Registry;
  store: Store;
  /** Why the store refuses writes lately (store/write_health.ts), told to admins as a server warning. */
  writeHealth?: { problem(): string | null };
  /** Background loops that failed their last rounds (fleet/loop_failures.ts), told to admins as warnings. */
  failingLoops?: () => FailingLoop[];
  auth: AuthStore;
  events: EventBus;
  handshakes: HandshakeLog;
  logger: Logger;
  now: () => Date;
  /** Aborted at shutdown: ends the endless responses (event streams). */
  signal: AbortSignal;
  settings: ApiSettings;
  /** Station security settings, security events and the login back-off (security/mod.ts). */
  security?: Security;
  /** Stored charging profiles and sites (load management). */
  energy?: Energy;
  /** Counts operator commands and open event streams. */
  metrics?: Metrics;
  /** The first run's setup token; without one, the setup page cannot make an admin. */
  setup?: FirstRunSetup;
  /** Virtual stations in this process (admins); without it the routes are not there. */
  simulator?: SimulatorControl;
  /** The OCPP 1.6 Security extension: station PKI, uploads, firmware (files/security_extension.ts). */
  extension?: SecurityExtension;
  /** Fleet operations: jobs, webhooks, reservations, local list, DataTransfer, stuck transactions, alerts. */
  fleet?: Fleet;
  /** The cluster's nodes, live and lost lately (server.ts); without it, this process alone. */
  clusterNodes?: () => Promise<ClusterNodeView[]>;
  /** In a cluster: this node's id and the live nodes' server warnings (cluster/mod.ts NodeWarnings). */
  clusterWarnings?: { selfId: string; nodeWarnings: () => Promise<NodeWarnings[]> };
}

/** Stuck sessions the overview looks at: as many as the running sessions it scans (FleetScanner's bound). */
const STUCK_FLAGS_SCANNED = 20_000;

/** How a refused fleet operation is answered. */
const FLEET_ERRORS: Record<FleetErrorKind, [400 | 403 | 404 | 409 | 502 | 504, string]> = {
  invalid: [400, "invalid_request"],
  forbidden: [403, "forbidden"],
  not_found: [404, "not_found"],
  conflict: [409, "conflict"],
  not_connected: [409, "not_connected"],
  refused: [409, "command_refused"],
  station_error: [502, "station_error"],
  station_timeout: [504, "station_timeout"],
};

export function createApiRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const router = new ApiRouter();
  const { app } = router;
  const revocations = new CredentialRevocations();
  const anonymous = new Set<string>();

  app.use(
    "*",
    authenticate({
      auth: deps.auth,
      now: deps.now,
      anonymous: (method, path) => anonymous.has(`${method} ${path}`),
    }),
  );

  addAuthRoutes(router, {
    auth: deps.auth,
    logger: deps.logger,
    now: deps.now,
    sessionTtlHours: deps.settings.sessionTtlHours,
    cookieSecure: deps.settings.cookieSecure,
    revocations,
    ...(deps.security
      ? { loginGuard: deps.security.loginGuard, trustedProxies: deps.security.trustedProxies }
      : {}),
  });
  addSetupRoutes(router, {
    setup: deps.setup ?? FirstRunSetup.none(),
    auth: deps.auth,
    logger: deps.logger,
    now: deps.now,
    sessionTtlHours: deps.settings.sessionTtlHours,
    cookieSecure: deps.settings.cookieSecure,
    ...(deps.security
      ? { loginGuard: deps.security.loginGuard, trustedProxies: deps.security.trustedProxies }
      : {}),
  });
  addServerWarningRoutes(router, {
    exposure: deps.settings.exposure ?? null,
    ...(deps.writeHealth ? { writeProblem: () => deps.writeHealth!.problem() } : {}),
    ...(deps.failingLoops ? { failingLoops: deps.failingLoops } : {}),
    ...(deps.clusterWarnings ? { cluster: deps.clusterWarnings } : {}),
  });
  addClusterNodeRoutes(router, {
    // Without the server's account of its cluster (tests of the app alone): this process, alone.
    nodes: deps.clusterNodes ??
      clusterNodeList(undefined, deps.registry.senderId, () => deps.registry.size, deps.now),
  });
  addChargePointRoutes(router, { ...deps, statusGraceMs: deps.settings.statusGraceMs ?? STATUS_GRACE_MS });
  addFirmwareFailureRoutes(router, deps);
  addProtocolErrorsRoutes(router, deps);
  // Before the commands: `/charge-points/{id}/upload-urls` would otherwise read as a command name.
  if (deps.extension) {
    addPkiRoutes(router, { extension: deps.extension });
    addFileRoutes(router, {
      extension: deps.extension,
      registry: deps.registry,
      store: deps.store,
      logger: deps.logger,
    });
  }
  if (deps.energy) {
    // Before the commands: their catch-all `POST /v1/charge-points/{id}/{action}` would take these paths.
    addChargingProfileRoutes(router, {
      energy: deps.energy,
      registry: deps.registry,
      store: deps.store,
      logger: deps.logger,
      now: deps.now,
    });
    addSiteRoutes(router, {
      energy: deps.energy,
      chargePoints: deps.store,
      logger: deps.logger,
      now: deps.now,
    });
  }
  const securityOptions = deps.security
    ? { security: deps.security, now: deps.now, registry: deps.registry, store: deps.store }
    : null;
  const keys = securityOptions ? stationSecurityWriter(securityOptions) : null;
  addCommandRoutes(router, {
    ...deps,
    ...(keys ? { pendingKeys: { pend: keys.pendKey, settle: keys.settlePendingKey } } : {}),
    ...(securityOptions
      ? {
        profileRaises: securityProfileRaises({
          ...securityOptions,
          // The client certificate a station raised to profile 3 presents: the one of ours it installed.
          ...(deps.extension
            ? { certificates: { current: (id) => deps.extension!.pki.currentCertificate(id) } }
            : {}),
        }),
      }
      : {}),
  });
  addTransactionRoutes(router, deps);
  const scanner = new FleetScanner({
    store: deps.store,
    live: liveStations(deps.registry),
    events: deps.events,
    now: deps.now,
    ...(deps.fleet
      ? {
        // The running sessions the scan read: their index is not read again.
        openAfterReboot: async (running) =>
          (await deps.fleet!.stuck.activeFlags({
            kind: "open_after_reboot",
            limit: STUCK_FLAGS_SCANNED,
            running,
          }))
            .map((f) => f.transactionId),
      }
      : {}),
  });
  deps.signal.addEventListener("abort", () => scanner.close());
  if (deps.simulator) addSimulatorRoutes(router, deps.simulator);
  addOverviewRoutes(router, {
    scanner,
    now: deps.now,
    offlineAfterMinutes: deps.settings.attentionOfflineMinutes ?? 10,
    statusGraceMs: deps.settings.statusGraceMs ?? STATUS_GRACE_MS,
  });
  addIdTagRoutes(router, {
    store: deps.store,
    logger: deps.logger,
    ...(deps.fleet ? { fleet: deps.fleet } : {}),
  });
  if (deps.fleet) {
    addJobRoutes(router, deps.fleet);
    addReservationRoutes(router, deps.fleet, deps);
    addLocalListRoutes(router, deps.fleet, deps.registry);
    addDataTransferRoutes(router, deps.fleet, deps.now);
    addStuckTransactionRoutes(router, deps.fleet);
    addWebhookRoutes(router, deps.fleet, deps.now);
    addAlertRoutes(router, deps.fleet, deps.now);
    addUnknownIdTagRoutes(router, { store: deps.store, fleet: deps.fleet, logger: deps.logger });
  }
  if (securityOptions) {
    addStationSecurityRoutes(router, securityOptions);
  }
  addEventRoutes(router, {
    events: deps.events,
    ...(deps.fleet ? { fleetEvents: deps.fleet.events } : {}),
    logger: deps.logger,
    signal: deps.signal,
    revocations,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.settings.sseRecheckMs !== undefined ? { recheckMs: deps.settings.sseRecheckMs } : {}),
    ...(deps.settings.sseBufferEvents !== undefined ? { bufferEvents: deps.settings.sseBufferEvents } : {}),
    ...(deps.settings.sseKeepAliveMs !== undefined ? { keepAliveMs: deps.settings.sseKeepAliveMs } : {}),
  });
  addOpenApiRoutes(router, {
    title: "OCPP 1.6J Central System",
    version: "1",
    description:
      "The operator API: stations, commands, jobs, reservations, charging profiles, sites, transactions, id " +
      "tags, the local list, DataTransfer rules, webhooks, alerts, live events. " +
      "Log in (POST /api/v1/auth/login) for a session cookie, or send an API token as `Authorization: Bearer`.",
  });

  for (const route of router.routes) {
    if (route.access === "anonymous") anonymous.add(`${route.method.toUpperCase()} /api${route.path}`);
  }
  const methodsOf = allowedMethods(router.routes);
  // Last: a path the API has, asked with a method it has not, is 405 naming the ones it has; any other is
  // the app's own 404 (routes/app.ts).
  app.all("*", (c) => {
    const allowed = methodsOf(c.req.path);
    if (allowed.length === 0) return c.notFound();
    c.header("allow", allowed.join(", "));
    return c.json(
      errorBody(
        "method_not_allowed",
        `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(", ")}`,
      ),
      405,
    );
  });

  app.onError(function apiError(error, c) {
    if (error instanceof ApiError) {
      return c.json(errorBody(error.code, error.message, error.details), error.status);
    }
    if (error instanceof FleetError) {
      const [status, code] = FLEET_ERRORS[error.kind];
      return c.json(errorBody(code, error.message, error.details), status);
    }
    if (error instanceof NodeOutdatedError) {
      deps.logger.warn("API request failed: the station's node runs an older version", {
        path: c.req.path,
        error: error.message,
      });
      return c.json(
        errorBody(
          "node_outdated",
          "The cluster node holding this station runs an older version that cannot do this; upgrade it, or " +
            "try again once the station has reconnected to an upgraded node",
        ),
        503,
      );
    }
    if (error instanceof NodeTimeoutError) {
      deps.logger.warn("API request failed: a cluster node did not answer", {
        path: c.req.path,
        error: error.message,
      });
      return c.json(errorBody("node_timeout", error.message), 504);
    }
    if (error instanceof StoreUnavailableError) {
      deps.logger.warn("API request failed: store unavailable", { path: c.req.path, error: error.message });
      return c.json(errorBody("store_unavailable", "The store is unavailable; try again shortly"), 503);
    }
    deps.logger.error("API request failed", { path: c.req.path, error: String(error) });
    return c.json(errorBody("internal_error", "Internal server error"), 500);
  });
  return app;
}

/** The methods the routes serve on a request path (HEAD with GET), by their path templates. */
function allowedMethods(routes: readonly { method: string; path: string }[]): (path: string) => string[] {
  const templates = routes.map((route) => ({
    method: route.method.toUpperCase(),
    // Braces are not escaped: each `{name}` becomes one path segment.
    pattern: new RegExp(
      `^/api${route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`,
    ),
  }));
  return (path) => {
    const methods = new Set(templates.filter((t) => t.pattern.test(path)).map((t) => t.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}

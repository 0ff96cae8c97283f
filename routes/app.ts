/**
 * createApp(deps): the HTTP surface. Routes talk to the registry, never to a socket.
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { EventBus } from "../actors/events.ts";
import type { Registry } from "../actors/registry.ts";
import type { Energy } from "../energy/mod.ts";
import type { Logger } from "../logger.ts";
import type { PrometheusMetrics } from "../metrics/prometheus.ts";
import type { FirstRunSetup } from "../auth/first_run.ts";
import type { SimulatorControl } from "../simulator/control.ts";
import type { AuthStore } from "../store/auth.ts";
import { type Store, StoreUnavailableError } from "../store/mod.ts";
import { MAX_BODY_BYTES } from "./api/http.ts";
import { type ApiDeps, type ApiSettings, createApiRoutes } from "./api/mod.ts";
import { limitBody } from "./body_limit.ts";
import type { HandshakeLog } from "../security/handshake_log.ts";
import { createOcppUpgradeHandler, type StationUpgrader } from "./ocpp.ts";
import { remoteAddressOf } from "./remote_address.ts";
import { refuseHandshake } from "./handshake_refusal.ts";
import { RefusalThrottle } from "../security/refusal_throttle.ts";
import type { Security } from "../security/mod.ts";
import { browserErrorPage, createPageRoutes, wantsHtml } from "./pages/mod.ts";
import type { ApiFetch } from "./pages/http.ts";
import { addHealthRoutes, type HealthDeps } from "./health.ts";
import { addMetricsRoute } from "./metrics.ts";
import { createFileRoutes } from "./files.ts";
import type { SecurityExtension } from "../files/security_extension.ts";
import type { Fleet } from "../fleet/mod.ts";
import type { ShutOut } from "../security/shut_out.ts";
import type { ClusterNodeView } from "../cluster/nodes.ts";

export interface AppDeps {
  registry: Registry;
  store: Store;
  logger: Logger;
  handshakes: HandshakeLog;
  now: () => Date;
  /** Operator accounts for the API. */
  auth: AuthStore;
  events: EventBus;
  /** Aborted when the server shuts down (ends event streams). */
  shutdownSignal: AbortSignal;
  /** Station security profiles, rate limits and security events; without it stations are not checked. */
  security?: Security;
  /** Stored charging profiles and sites (load management). */
  energy?: Energy;
  /** Counted on the hot path and served at /metrics; without it there is no /metrics. */
  metrics?: PrometheusMetrics;
  /** See HealthDeps.writeHealth. */
  writeHealth?: NonNullable<HealthDeps["writeHealth"]>;
  /** See ApiDeps.failingLoops. */
  failingLoops?: ApiDeps["failingLoops"];
  /** The first run's one-time setup token (none once users exist). */
  setup?: FirstRunSetup;
  /** Virtual stations an admin may start from the dashboard. */
  simulator?: SimulatorControl;
  /** The OCPP 1.6 Security extension (PKI, uploads, firmware); without it those routes are absent. */
  extension?: SecurityExtension;
  /** See OcppRouteOptions.certificatePresented. */
  certificatePresented?: (chargePointId: string, pem: string) => void;
  /** Fleet operations (jobs, webhooks, reservations, ...); without it their routes are absent. */
  fleet?: Fleet;
  /** Decommissioned stations this process knows of: their handshakes are refused before upgrading. */
  shutOut?: ShutOut;
  /** See ApiDeps.clusterNodes. */
  clusterNodes?: () => Promise<ClusterNodeView[]>;
  /** See ApiDeps.clusterWarnings. */
  clusterWarnings?: ApiDeps["clusterWarnings"];
  settings: {
    allowMissingSubprotocol: boolean;
    /** PREFERRED_OCPP as a subprotocol; default `ocpp2.0.1`. */
    preferredOcpp?: string;
    maxConnections: number;
    pingIntervalS: number;
    /** How accepted station upgrades become sockets; default Deno's own WebSocket. */
    stationUpgrader?: StationUpgrader;
    api: ApiSettings;
  };
}

/** Without security settings (some tests): the defaults of HANDSHAKE_REFUSAL_BURST and _RATE. */
const DEFAULT_REFUSALS = { burst: 20, perSecond: 0.5 };

/** Anonymous login forms and calls never need more than this. */
export const MAX_LOGIN_BODY_BYTES = 16 * 1024;

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const refusals = deps.security?.refusals ?? new RefusalThrottle(DEFAULT_REFUSALS);
  // Before every route: the smaller limit of the anonymous logins first, then the general one.
  for (const path of ["/login", "/api/v1/auth/login"]) app.use(path, limitBody(MAX_LOGIN_BODY_BYTES));
  // Station uploads and firmware images are larger than any other body: their routes count their own limits
  // (UPLOAD_MAX_BYTES, FIRMWARE_MAX_BYTES) as they stream; the general limit applies to everything else.
  const general = limitBody(MAX_BODY_BYTES);
  const large = deps.extension ? largeBodyLimits() : [];
  app.use("*", async function limitRequestBody(c, next) {
    const own = large.find((l) => l.matches(c.req.method, c.req.path));
    return await (own ? own.limit : general)(c, next);
  });
  // The pages' in-process API calls, on the browser's own connection: the API resolves its client address (the
  // login back-off, security events) exactly as for a call the browser made itself.
  const callApp: ApiFetch = (path, init, connection) => app.request(path, init, connection);
  addHealthRoutes(app, deps);
  if (deps.metrics) {
    addMetricsRoute(app, {
      metrics: deps.metrics,
      fetchApp: (path, init) => app.request(path, init),
    });
  }
  app.get(
    "/ocpp/:id",
    createOcppUpgradeHandler({
      registry: deps.registry,
      logger: deps.logger,
      handshakes: deps.handshakes,
      allowMissingSubprotocol: deps.settings.allowMissingSubprotocol,
      ...(deps.settings.preferredOcpp ? { preferredOcpp: deps.settings.preferredOcpp } : {}),
      maxConnections: deps.settings.maxConnections,
      pingIntervalS: deps.settings.pingIntervalS,
      ...(deps.settings.stationUpgrader ? { upgrader: deps.settings.stationUpgrader } : {}),
      now: deps.now,
      refusals,
      ...(deps.shutOut ? { shutOut: deps.shutOut } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.certificatePresented ? { certificatePresented: deps.certificatePresented } : {}),
      ...(deps.security
        ? {
          gate: deps.security.gate,
          messageRate: deps.security.messageRate,
          securityEvents: deps.security.events,
        }
        : {}),
    }),
  );
  app.route(
    "/api",
    createApiRoutes({
      registry: deps.registry,
      store: deps.store,
      auth: deps.auth,
      events: deps.events,
      handshakes: deps.handshakes,
      logger: deps.logger,
      now: deps.now,
      signal: deps.shutdownSignal,
      settings: deps.settings.api,
      ...(deps.security ? { security: deps.security } : {}),
      ...(deps.energy ? { energy: deps.energy } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.clusterNodes ? { clusterNodes: deps.clusterNodes } : {}),
      ...(deps.clusterWarnings ? { clusterWarnings: deps.clusterWarnings } : {}),
      ...(deps.setup ? { setup: deps.setup } : {}),
      ...(deps.simulator ? { simulator: deps.simulator } : {}),
      ...(deps.extension ? { extension: deps.extension } : {}),
      ...(deps.fleet ? { fleet: deps.fleet } : {}),
      ...(deps.writeHealth ? { writeHealth: deps.writeHealth } : {}),
      ...(deps.failingLoops ? { failingLoops: deps.failingLoops } : {}),
    }),
  );
  if (deps.extension) {
    const security = deps.security;
    app.route(
      "/files",
      createFileRoutes({
        extension: deps.extension,
        logger: deps.logger,
        ...(security ? { events: security.events } : {}),
        clientAddress: (c) =>
          security ? security.gate.client(c.req.raw, remoteAddressOf(c)).address : remoteAddressOf(c),
      }),
    );
  }
  // The dashboard: its pages read the API above in-process, with the visitor's own cookie.
  app.route(
    "/",
    createPageRoutes({ api: callApp, logger: deps.logger, now: deps.now }),
  );
  app.notFound((c) => {
    const message = `No route for ${c.req.method} ${c.req.path}`;
    if (c.req.header("upgrade")?.toLowerCase() === "websocket") {
      // A station with a wrong URL: worth seeing among the failed handshakes (within its source's budget).
      const remoteAddress = deps.security
        ? deps.security.gate.client(c.req.raw, remoteAddressOf(c)).address
        : remoteAddressOf(c);
      deps.metrics?.handshake(404);
      return refuseHandshake(c, { ...deps, refusals }, {
        chargePointId: null,
        remoteAddress,
        status: 404,
        reason: message,
      });
    }
    // A person who mistyped an address gets a page with the way back; scripts and the API get JSON.
    if (!c.req.path.startsWith("/api/") && wantsHtml(c)) {
      return browserErrorPage(
        c,
        callApp,
        404,
        `There is no page at ${c.req.path}.`,
      );
    }
    return c.json({ error: "not_found", message }, 404);
  });
  app.onError((error, c) => {
    // A store that did not answer (a bounded call's deadline, an unreachable database) is no bug of ours: the
    // caller (a station's file transfer, mostly: the API answers its own) may try again shortly.
    if (error instanceof StoreUnavailableError) {
      deps.logger.warn("request failed: store unavailable", { path: c.req.path, error: error.message });
      return c.json(
        { error: "store_unavailable", message: "The store is unavailable; try again shortly" },
        503,
      );
    }
    deps.logger.error("request failed", { path: c.req.path, error: String(error) });
    if (!c.req.path.startsWith("/api/") && wantsHtml(c)) {
      return browserErrorPage(
        c,
        callApp,
        500,
        "The server log says what went wrong.",
      );
    }
    return c.json({ error: "internal_error", message: "Internal server error" }, 500);
  });
  return app;
}

const passThrough: MiddlewareHandler = async function uncappedHere(_c, next) {
  await next();
};

/**
 * The routes whose bodies may exceed MAX_BODY_BYTES. Neither goes through Hono's bodyLimit, which buffers a
 * chunked body whole before the handler runs: each counts its own ceiling (the file's limit + framing) as the
 * body streams into storage, and answers 413 itself.
 */
function largeBodyLimits() {
  return [
    {
      // The upload route also checks the URL before reading a byte (StationUploads.receive).
      matches: (method: string, path: string) => path.startsWith("/files/upload/") && method !== "GET",
      limit: passThrough,
    },
    {
      // FIRMWARE_MAX_BYTES + form slack, counted by files/firmware_form.ts.
      matches: (method: string, path: string) => method === "POST" && path === "/api/v1/firmware",
      limit: passThrough,
    },
  ];
}

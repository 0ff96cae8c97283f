/**
 * createApp(deps): the HTTP surface. Routes talk to the registry, never to a socket.
 */
import { Hono } from "hono";
import type { EventBus } from "../actors/events.ts";
import type { Registry } from "../actors/registry.ts";
import type { Logger } from "../logger.ts";
import type { AuthStore } from "../store/auth.ts";
import type { Store } from "../store/mod.ts";
import { MAX_BODY_BYTES } from "./api/http.ts";
import { type ApiSettings, createApiRoutes } from "./api/mod.ts";
import { limitBody } from "./body_limit.ts";
import type { HandshakeLog } from "../security/handshake_log.ts";
import { createOcppUpgradeHandler } from "./ocpp.ts";
import { remoteAddressOf } from "./remote_address.ts";
import { refuseHandshake } from "./handshake_refusal.ts";
import { RefusalThrottle } from "../security/refusal_throttle.ts";
import type { Security } from "../security/mod.ts";
import { createPageRoutes } from "./pages/mod.ts";

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
  settings: {
    allowMissingSubprotocol: boolean;
    maxConnections: number;
    pingIntervalS: number;
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
  app.use("*", limitBody(MAX_BODY_BYTES));
  app.get("/healthz", (c) => c.json({ status: "ok", connectedStations: deps.registry.size }));
  app.get(
    "/ocpp/:id",
    createOcppUpgradeHandler({
      registry: deps.registry,
      logger: deps.logger,
      handshakes: deps.handshakes,
      allowMissingSubprotocol: deps.settings.allowMissingSubprotocol,
      maxConnections: deps.settings.maxConnections,
      pingIntervalS: deps.settings.pingIntervalS,
      now: deps.now,
      refusals,
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
    }),
  );
  // The dashboard: its pages read the API above in-process, with the visitor's own cookie.
  app.route(
    "/",
    createPageRoutes({ api: (path, init) => app.request(path, init), logger: deps.logger, now: deps.now }),
  );
  app.notFound((c) => {
    const message = `No route for ${c.req.method} ${c.req.path}`;
    if (c.req.header("upgrade")?.toLowerCase() === "websocket") {
      // A station with a wrong URL: worth seeing among the failed handshakes (within its source's budget).
      const remoteAddress = deps.security
        ? deps.security.gate.client(c.req.raw, remoteAddressOf(c)).address
        : remoteAddressOf(c);
      return refuseHandshake(c, { ...deps, refusals }, {
        chargePointId: null,
        remoteAddress,
        status: 404,
        reason: message,
      });
    }
    return c.json({ error: "not_found", message }, 404);
  });
  app.onError((error, c) => {
    deps.logger.error("request failed", { path: c.req.path, error: String(error) });
    return c.json({ error: "internal_error", message: "Internal server error" }, 500);
  });
  return app;
}

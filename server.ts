/**
 * Wires a Store and a Config into a listening server: registry, app, Deno.serve. Used by main.ts and by the
 * end-to-end tests (which start it on port 0).
 */
import type { Config } from "./config.ts";
import { EventBus } from "./actors/events.ts";
import type { VendorTable } from "./actors/handlers/mod.ts";
import { FrameLog } from "./actors/frame_log.ts";
import { Registry } from "./actors/registry.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createApp } from "./routes/app.ts";
import { ensureFirstAdmin } from "./routes/api/auth.ts";
import { HandshakeLog } from "./routes/handshake_log.ts";
import { openKvAuthStore } from "./store/auth_kv.ts";
import type { AuthStore } from "./store/auth_store.ts";
import type { Store } from "./store/store.ts";

export interface ServerOptions {
  logger?: Logger;
  vendors?: VendorTable;
  now?: () => Date;
  /** Override the message id source (tests). */
  newMessageId?: () => string;
  /** Operator accounts; without one, a throwaway in-memory AuthStore (users only from ADMIN_USER). */
  auth?: AuthStore;
}

export interface RunningServer {
  url: string;
  port: number;
  registry: Registry;
  events: EventBus;
  handshakes: HandshakeLog;
  store: Store;
  auth: AuthStore;
  /** Closes every station, waits for actors to save, stops listening. Does not close the store. */
  shutdown(): Promise<void>;
}

export async function startServer(
  config: Config,
  store: Store,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const now = options.now ?? (() => new Date());
  const ownAuth = options.auth === undefined;
  const auth = options.auth ?? await openKvAuthStore(":memory:");
  await ensureFirstAdmin(
    auth,
    { username: config.ADMIN_USER, password: config.ADMIN_PASSWORD },
    logger,
    now(),
  );
  const stopping = new AbortController();
  const events = new EventBus();
  const handshakes = new HandshakeLog();
  const registry = new Registry({
    store,
    logger,
    events,
    frames: new FrameLog(config.FRAME_LOG_SIZE, config.FRAME_LOG_STATIONS),
    now,
    newMessageId: options.newMessageId ?? (() => crypto.randomUUID()),
    vendors: options.vendors ?? {},
    settings: {
      registrationPolicy: config.REGISTRATION_POLICY,
      heartbeatIntervalS: config.HEARTBEAT_INTERVAL_S,
      bootRetryIntervalS: config.BOOT_RETRY_INTERVAL_S,
      callTimeoutMs: config.CALL_TIMEOUT_MS,
      maxFrameBytes: config.MAX_FRAME_BYTES,
      maxBadFrames: config.MAX_BAD_FRAMES,
      singleUseIdTags: config.SINGLE_USE_ID_TAGS,
    },
  }, { sweepIntervalMs: Math.min(1000, Math.max(20, Math.floor(config.CALL_TIMEOUT_MS / 10))) });
  registry.start();
  const app = createApp({
    registry,
    store,
    logger,
    handshakes,
    now,
    auth,
    events,
    shutdownSignal: stopping.signal,
    settings: {
      allowMissingSubprotocol: config.ALLOW_MISSING_SUBPROTOCOL,
      maxConnections: config.MAX_CONNECTIONS,
      pingIntervalS: config.PING_INTERVAL_S,
      api: { sessionTtlHours: config.SESSION_TTL_H, cookieSecure: config.COOKIE_SECURE },
    },
  });

  return await new Promise((resolve) => {
    const server = Deno.serve({
      port: config.PORT,
      hostname: config.HOSTNAME,
      onListen: ({ port, hostname }) => {
        logger.info("listening", {
          url: `http://${hostname}:${port}`,
          ocpp: `ws://${hostname}:${port}/ocpp/{id}`,
        });
        resolve({
          url: `http://127.0.0.1:${port}`,
          port,
          registry,
          events,
          handshakes,
          store,
          auth,
          async shutdown() {
            stopping.abort();
            await registry.shutdown();
            await server.shutdown();
            if (ownAuth) await auth.close();
          },
        });
      },
    }, (request, info) => app.fetch(request, info));
  });
}

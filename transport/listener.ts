/**
 * Where the server listens, on the transport HTTP_SERVER names: `node` (node:http, station sockets on npm
 * `ws`: a third of the memory per idle station) or `deno` (Deno.serve and Deno's own WebSocket). Either way a
 * listener that stops accepting (EMFILE) calls `onFailed` once, for the server to exit 70 for its supervisor.
 */
import type { Logger } from "../logger.ts";
import type { DroppedReason } from "./dropped_connections.ts";
import type { StationUpgrader } from "../routes/ocpp.ts";
import { LISTEN_BACKLOG } from "./listen_backlog.ts";
import { listenNode } from "./node_listener.ts";
import { StationSockets } from "./station_sockets.ts";

export type FetchHandler = (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

export interface ListenOptions {
  port: number;
  hostname: string;
  /** SO_REUSEPORT (WORKERS=N). */
  reusePort: boolean;
  /** PEM certificate and key: https and wss. */
  tls: { cert: string; key: string } | null;
  fetch: FetchHandler;
  logger: Logger;
  /** The listener stopped accepting for good; called at most once, never after shutdown. */
  onFailed: (error: unknown) => void;
  /** How often the node listener's accept watchdog looks (tests make it short). */
  watchdogIntervalMs?: number;
  /**
   * Node listener: a place for a connection from an address unread for 2 s, until its request's headers arrive
   * (a release), or null: closed (security/unread_requests.ts). Default: no cap.
   */
  unreadRequests?: { take(address: string): (() => void) | null };
  /** Node listener: a request's headers must arrive within this, else 408 and closed (default node's 60 s). */
  headersTimeoutMs?: number;
  /** Node listener: told of each connection it closed before its request was read (counted, logged). */
  onDropped?: (reason: DroppedReason, address: string) => void;
}

export interface Listener {
  port: number;
  /** Stops listening and ends the connections left (after the stations were closed). */
  shutdown(): Promise<void>;
}

/** A transport: how station upgrades become sockets, and how to listen once the app exists. */
export interface Transport {
  upgrader: StationUpgrader | undefined;
  listen(options: ListenOptions): Promise<Listener>;
}

/**
 * `maxMessageBytes`: the largest message a station socket takes (node: refused while it arrives; Deno's own
 * WebSocket has no such setting and takes 64 MiB, then the actor closes an oversized frame).
 */
export function createTransport(
  kind: "node" | "deno",
  pingIntervalS: number,
  maxMessageBytes?: number,
): Transport {
  if (kind === "deno") return { upgrader: undefined, listen: listenDeno };
  const sockets = new StationSockets(pingIntervalS, maxMessageBytes);
  return {
    upgrader: { upgrade: (request, protocol) => sockets.upgrade(request, protocol) },
    listen: (options) => listenNode(options, sockets),
  };
}

function listenDeno(options: ListenOptions): Promise<Listener> {
  return new Promise((resolve) => {
    let stopped = false;
    const server = Deno.serve({
      port: options.port,
      hostname: options.hostname,
      tcpBacklog: LISTEN_BACKLOG,
      ...(options.reusePort ? { reusePort: true } : {}),
      ...(options.tls ?? {}),
      onListen: ({ port }) =>
        resolve({
          port,
          async shutdown() {
            stopped = true;
            await server.shutdown();
          },
        }),
    }, options.fetch);
    // Deno.serve's accept loop ends for good on an accept error such as EMFILE (denoland/deno#10148): a process
    // that no longer listens must not linger looking healthy.
    server.finished.catch((error) => {
      if (!stopped) options.onFailed(error);
    });
  });
}

/**
 * The server's listener on node:http (node:https with TLS): plain requests go to the fetch handler (the Hono
 * app) as the runtime's `Request`s; an upgrade request goes through the same handler, and an upgrade the
 * /ocpp route accepted is completed with `ws` (transport/station_sockets.ts), any other answer is written on
 * the connection as it is (every refusal is the route's plain HTTP response).
 *
 * node:http on Deno 2.9.6 stops accepting for good on EMFILE without telling anyone: the accept watchdog
 * (accept_watchdog.ts) notices, and `onFailed` is called as Deno.serve's path calls it when its accept loop
 * ends.
 */
import http, { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { AcceptQueue } from "./accept_queue.ts";
import { AcceptWatchdog } from "./accept_watchdog.ts";
import {
  handlerInfo,
  refuseForbiddenMethod,
  toRequest,
  writeRawResponse,
  writeResponse,
} from "./node_fetch.ts";
import { LISTEN_BACKLOG } from "./listen_backlog.ts";
import type { Listener, ListenOptions } from "./listener.ts";
import type { DroppedReason } from "./dropped_connections.ts";
import { StationSockets } from "./station_sockets.ts";
import { isStationUpgrade, upgradeRequest } from "./upgrade_request.ts";

/** How often the watchdog looks, and how many looks in a row at a stalled queue it takes. */
export const WATCHDOG_INTERVAL_MS = 1000;
export const WATCHDOG_STALLED_CHECKS = 3;

/** The request line and headers may take this much (node's default, 16 KiB, refuses long ids and queries). */
export const MAX_HEADER_BYTES = 64 * 1024;

export async function listenNode(options: ListenOptions, sockets: StationSockets): Promise<Listener> {
  const { fetch } = options;
  const scheme = options.tls ? "https" : "http";
  const serverOptions = { maxHeaderSize: MAX_HEADER_BYTES, ...headersTimeout(options.headersTimeoutMs) };
  // The TLS handshake comes before the headers, and their timeout does not see it: it gets the same time (else
  // node's 120 s), so a peer that connects and stalls the handshake is dropped as one stalling its headers.
  const handshakeTimeout = options.headersTimeoutMs === undefined
    ? {}
    : { handshakeTimeout: options.headersTimeoutMs };
  const server = options.tls
    ? https.createServer({
      cert: options.tls.cert,
      key: options.tls.key,
      ...handshakeTimeout,
      ...serverOptions,
    })
    : http.createServer(serverOptions);
  let accepted = 0;
  const dropped = options.onDropped ?? (() => {});
  const unread = new UnreadConnections(options.unreadRequests, dropped);
  server.on("connection", function countAccepted(socket: Socket) {
    accepted++;
    unread.opened(socket);
  });
  // Keep-alive connections that served a request: one idle past the headers timeout is closed, not dropped.
  const served = new WeakSet<Duplex>();
  server.on("request", function serveRequest(req: IncomingMessage, res: ServerResponse) {
    served.add(req.socket);
    // A body still to come keeps the connection unread: one trickled a byte now and then is as slow as headers.
    if (hasBody(req)) req.once("end", () => unread.read(req.socket));
    else unread.read(req.socket);
    // Kept alive, the connection waits for its next request's headers: as unread as a new one.
    res.once("finish", () => unread.opened(req.socket as Socket));
    void respond(req, res);
  });
  server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
    const reason = refuseUnreadable(error, socket);
    if (reason && !(reason === "headers_timeout" && served.has(socket))) {
      dropped(reason, (socket as Socket).remoteAddress ?? "");
    }
  });
  server.on("upgrade", function serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    unread.read(req.socket);
    void upgrade(req, socket, head);
  });

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    let response: Response;
    try {
      response = refuseForbiddenMethod(req) ??
        await fetch(toRequest(req, scheme, gone.signal), handlerInfo(req));
    } catch (error) {
      response = failure(error);
    }
    await writeResponse(req, res, response);
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", ignore);
    let response: Response;
    let request: Request | null = null;
    try {
      const refused = refuseForbiddenMethod(req);
      if (refused) {
        response = refused;
      } else {
        // A station's upgrade skips building the runtime's Request (~16 µs a connect, upgrade_request.ts).
        request = isStationUpgrade(req) ? upgradeRequest(req, scheme) : toRequest(req, scheme);
        sockets.expect(request, req, socket, head);
        response = await fetch(request, handlerInfo(req));
      }
    } catch (error) {
      response = failure(error);
    }
    if (request && sockets.complete(request)) return;
    await writeRawResponse(socket, response);
  }

  function failure(error: unknown): Response {
    options.logger.error("request failed", { error: String(error) });
    return new Response("Internal Server Error", { status: 500 });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const listenOptions = {
      port: options.port,
      host: options.hostname,
      reusePort: options.reusePort,
      backlog: LISTEN_BACKLOG,
    };
    server.listen(listenOptions, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;

  const queue = await AcceptQueue.open(port);
  const watchdog = queue
    ? new AcceptWatchdog({
      accepted: () => accepted,
      queued: () => queue.queued(),
      stalledChecks: WATCHDOG_STALLED_CHECKS,
      onStalled: (queued) =>
        options.onFailed(
          new Error(`Listener stopped accepting: ${queued} connections wait in its queue, none accepted`),
        ),
    })
    : null;
  watchdog?.start(options.watchdogIntervalMs ?? WATCHDOG_INTERVAL_MS);
  if (!queue) options.logger.warn("accept watchdog off: the listener's queue cannot be read", { port });

  return {
    port,
    async shutdown() {
      watchdog?.stop();
      queue?.close();
      sockets.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
    },
  };
}

function ignore(): void {}

/**
 * node:http's own headers timeout, checked this often (node checks every 30 s, so a 30 s timeout could take a
 * minute): a tenth of it, at least every second.
 */
function headersTimeout(ms: number | undefined) {
  if (ms === undefined) return {};
  return { headersTimeout: ms, connectionsCheckingInterval: Math.max(1000, Math.min(30_000, ms / 10)) };
}

/**
 * How long a connection may be unread before it counts against its source's cap: a burst of stations (a site
 * behind one NAT reconnecting after a restart) is read within it, a slowloris connection is not.
 */
export const SLOW_AFTER_MS = 2000;

/**
 * Connections whose request has not arrived. One unread for SLOW_AFTER_MS takes a place of its source's cap
 * (checked every half of it); one that finds none left is closed, so a source holds at most its cap of slow
 * connections, and what it opened in the last moments. Its place is given back when its request has arrived
 * (its headers, and its body when it has one: one trickling its body is as slow as one trickling headers) or
 * it closes; a kept-alive connection is unread again once its answer is sent (else one whole request bought a
 * connection the cap never saw for HEADERS_TIMEOUT_S). Keyed by the peer's address and port, which the TCP socket and, with TLS, the TLS socket the
 * request arrives on share.
 */
class UnreadConnections {
  readonly #unread = new Map<
    string,
    { socket: Socket; since: number; release: (() => void) | null; onClose: () => void }
  >();
  #sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly cap: ListenOptions["unreadRequests"],
    private readonly dropped: (reason: DroppedReason, address: string) => void,
  ) {}

  opened(socket: Socket): void {
    if (!this.cap || socket.destroyed) return;
    const key = peerOf(socket);
    // Counted already (a pipelined request was read before the answer to the one before it was sent): its
    // place, if it took one, is given back before it is counted again, else the source never had it back.
    this.#forget(key);
    const entry = {
      socket,
      since: performance.now(),
      release: null as (() => void) | null,
      // Only its own entry: by then the address and port may be another connection's.
      onClose: () => {
        if (this.#unread.get(key) === entry) this.#forget(key);
      },
    };
    this.#unread.set(key, entry);
    socket.once("close", entry.onClose);
    if (this.#sweeper === null) {
      this.#sweeper = setInterval(() => this.#sweep(), SLOW_AFTER_MS / 2);
      Deno.unrefTimer(this.#sweeper);
    }
  }

  read(socket: Socket | Duplex): void {
    if (this.#unread.size > 0) this.#forget(peerOf(socket as Socket));
  }

  /** Slow ones take their source's places; one that finds none is closed. */
  #sweep(): void {
    const slowSince = performance.now() - SLOW_AFTER_MS;
    for (const [key, entry] of this.#unread) {
      if (entry.release !== null || entry.since > slowSince) continue;
      entry.release = this.cap!.take(entry.socket.remoteAddress ?? "");
      if (entry.release === null) {
        this.#forget(key);
        entry.socket.destroy();
        this.dropped("unread_cap", entry.socket.remoteAddress ?? "");
      }
    }
    if (this.#unread.size === 0 && this.#sweeper !== null) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
  }

  #forget(key: string): void {
    const entry = this.#unread.get(key);
    if (!entry) return;
    entry.release?.();
    this.#unread.delete(key);
    // Read or closed, its place is given back once; a station's socket keeps no listener of ours for its life.
    entry.socket.off("close", entry.onClose);
  }
}

/** The request's headers announce a body (RFC 9112 §6.3: a Transfer-Encoding, or a Content-Length above 0). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function peerOf(socket: Socket): string {
  return `${socket.remoteAddress} ${socket.remotePort}`;
}

/**
 * A request node:http could not read (headers past MAX_HEADER_BYTES, a malformed request line): the status it
 * would send, with the API's JSON error body rather than none. Says why, or null for a connection already
 * gone (a client that reset it).
 */
function refuseUnreadable(error: Error & { code?: string }, socket: Duplex): DroppedReason | null {
  if (socket.destroyed || !socket.writable) return null;
  // No TLS session to answer on: an HTTP answer would wait for the handshake for ever, and the socket with it.
  // (Deno's node:tls gives it no code, only node's message.)
  if (error.code === "ERR_TLS_HANDSHAKE_TIMEOUT" || error.message === "TLS handshake timeout") {
    socket.destroy();
    return "handshake_timeout";
  }
  const [status, code, reason] = error.code === "HPE_HEADER_OVERFLOW"
    ? [431, "request_header_fields_too_large", "headers_too_large" as const]
    : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
    ? [408, "request_timeout", "headers_timeout" as const]
    : [400, "bad_request", "unreadable" as const];
  const body = JSON.stringify({ error: code, message: `Cannot read the request: ${error.message}` });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${new TextEncoder().encode(body).byteLength}\r\nconnection: close\r\n\r\n${body}`,
  );
  return reason;
}

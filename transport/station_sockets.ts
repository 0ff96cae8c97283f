/**
 * Station sockets on npm `ws`, for the node:http listener (transport/listener.ts): the /ocpp route accepts an
 * upgrade through `upgrade()` as it would with `Deno.upgradeWebSocket`, and the listener completes it with
 * `ws` once the route answered. Deno's own WebSocket keeps ~11 KB of native state per socket; a `ws` socket on
 * a node:http connection keeps about a third of that (bench/README.md, "Station sockets on npm `ws`").
 *
 * Sockets are pinged every `pingIntervalS`, a slice a second from one shared timer (ping_rounds.ts); a peer
 * that sent nothing (not even the pong) for a whole interval after a ping is terminated, as Deno's
 * `idleTimeout` does; so is one whose pongs came between the fragments of a message it never finished.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { UpgradingSocket } from "../routes/ocpp.ts";
import { PingRounds } from "./ping_rounds.ts";

/** The part of a `ws` WebSocket used here (the package ships no types). */
interface WsSocket {
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  ping(): void;
  terminate(): void;
  on(event: string, listener: (...args: never[]) => void): void;
}

/** Deno's own limit on a message, the default here: the server passes the largest frame it accepts. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const CONNECTING = 0;
const CLOSED = 3;

/** A request waiting for the app's answer to its upgrade. */
interface PendingUpgrade {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  /** Set by `upgrade()` when the route accepted: the socket it handed to its actor, and the subprotocol. */
  accepted: { station: WsStationSocket; protocol: string | null } | null;
}

/** The subprotocol the route chose, kept on the request for `handleProtocols`. */
const chosenProtocol = Symbol("chosenProtocol");
type ChosenRequest = IncomingMessage & { [chosenProtocol]?: string | null };

export class StationSockets {
  readonly #server: WebSocketServer;
  readonly #pending = new WeakMap<Request, PendingUpgrade>();
  readonly #open = new Set<WsStationSocket>();
  #pinger: ReturnType<typeof setInterval> | undefined;

  /**
   * `maxMessageBytes`: a longer message closes its socket with 1009 as soon as its header says so, before it
   * is held in memory (an anonymous peer could otherwise make the server hold 64 MiB per socket).
   */
  constructor(pingIntervalS: number, maxMessageBytes = MAX_MESSAGE_BYTES) {
    this.#server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: maxMessageBytes,
      handleProtocols: (_offered: Set<string>, req: IncomingMessage) =>
        (req as ChosenRequest)[chosenProtocol] ?? false,
    });
    if (pingIntervalS > 0) {
      const rounds = new PingRounds(this.#open, pingIntervalS * 1000);
      this.#pinger = setInterval(() => rounds.tick(performance.now()), rounds.tickMs);
    }
  }

  /** Open station sockets. */
  get size(): number {
    return this.#open.size;
  }

  /** The listener: `request` (built from `req`) asks to upgrade; the app decides. */
  expect(request: Request, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#pending.set(request, { req, socket, head, accepted: null });
  }

  /**
   * The route: accepts the upgrade of `request` speaking `protocol` (none: no Sec-WebSocket-Protocol). The
   * socket opens once the listener completed the handshake; the response is only a marker for the app.
   */
  upgrade(request: Request, protocol: string | null): { socket: UpgradingSocket; response: Response } {
    const pending = this.#pending.get(request);
    if (!pending) throw new Error(`Cannot upgrade ${JSON.stringify(request.url)}: not a pending upgrade`);
    const station = new WsStationSocket(this.#open);
    pending.accepted = { station, protocol };
    return { socket: station, response: new Response(null, { status: 200 }) };
  }

  /**
   * The listener, once the app answered: completes an accepted upgrade with `ws` and returns true; false when
   * the app refused (the listener writes the app's response).
   */
  complete(request: Request): boolean {
    const pending = this.#pending.get(request);
    this.#pending.delete(request);
    if (!pending?.accepted) return false;
    const { req, socket, head } = pending;
    const { station, protocol } = pending.accepted;
    (req as ChosenRequest)[chosenProtocol] = protocol;
    // The route read the offer as an HTTP list (empty and repeated entries allowed, RFC 9110 §5.6.1); `ws`
    // would refuse "ocpp1.6," with a 400 of its own after the route accepted: it gets the choice alone.
    if (protocol === null) delete req.headers["sec-websocket-protocol"];
    else req.headers["sec-websocket-protocol"] = protocol;
    if (socket.destroyed || !socket.readable || !socket.writable) {
      // The peer left while the route decided: its close came before anyone listened, and `ws` would only
      // destroy the socket, so the route's slot and the station's close listeners would wait for ever.
      socket.destroy();
      station.failed();
      return true;
    }
    // `ws` refuses a malformed handshake by itself (400) and never calls back: the socket then just closes.
    const abandoned = () => station.failed();
    socket.once("close", abandoned);
    this.#server.handleUpgrade(req, socket, head, (ws: WsSocket) => {
      socket.off("close", abandoned);
      station.opened(ws);
    });
    return true;
  }

  /** Terminates every socket still open (after the actors closed them) and stops pinging. */
  close(): void {
    if (this.#pinger !== undefined) clearInterval(this.#pinger);
    this.#pinger = undefined;
    for (const station of this.#open) station.terminate();
  }
}

/** `ws` event handlers shared by every socket (no closures per station): the socket finds its station. */
const stationOf = Symbol("station");
type StationWs = WsSocket & { [stationOf]: WsStationSocket };

function onWsMessage(this: StationWs, data: Buffer, isBinary: boolean): void {
  const station = this[stationOf];
  station.alive = true;
  station.onmessage?.({ data: isBinary ? data : data.toString() });
}

function onWsPong(this: StationWs): void {
  // A pong can come between the fragments of a message, while `ws` holds them: it proves the peer is there, not
  // that its message is coming. Only a finished message keeps such a peer alive, as one stalled mid-frame.
  if (!midMessage(this)) this[stationOf].alive = true;
}

/** `ws` holds part of a message (the fragments so far, or a frame's first bytes); its API does not say so. */
function midMessage(ws: WsSocket): boolean {
  const receiver = (ws as unknown as { _receiver?: { _totalPayloadLength?: number } })._receiver;
  return (receiver?._totalPayloadLength ?? 0) > 0;
}

function onWsClose(this: StationWs, code: number, reason: Buffer): void {
  this[stationOf].closed(code, reason.toString());
}

function onWsError(this: StationWs): void {
  this[stationOf].onerror?.();
}

/** A station's socket as the /ocpp route and the actor see it (the browser WebSocket's shape). */
export class WsStationSocket implements UpgradingSocket {
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  /** Heard from since the last ping. */
  alive = true;
  #ws: WsSocket | null = null;
  #state = CONNECTING;
  #closeListeners: Array<() => void> = [];

  constructor(private readonly open: Set<WsStationSocket>) {}

  get readyState(): number {
    return this.#ws?.readyState ?? this.#state;
  }

  send(text: string): void {
    this.#ws?.send(text);
  }

  close(code?: number, reason?: string): void {
    this.#ws?.close(code, reason);
  }

  addEventListener(_type: "close", listener: () => void): void {
    this.#closeListeners.push(listener);
  }

  /** The handshake completed. */
  opened(ws: WsSocket): void {
    this.#ws = ws;
    (ws as StationWs)[stationOf] = this;
    ws.on("message", onWsMessage);
    ws.on("pong", onWsPong);
    ws.on("close", onWsClose);
    ws.on("error", onWsError);
    this.open.add(this);
    this.onopen?.();
  }

  /** The handshake never completed. */
  failed(): void {
    if (this.#state === CLOSED || this.#ws) return;
    this.closed(1006, "");
  }

  closed(code: number, reason: string): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.open.delete(this);
    for (const listener of this.#closeListeners) listener();
    this.#closeListeners = [];
    this.onclose?.({ code, reason });
  }

  /** Terminates a peer silent since the last ping, else pings it. */
  ping(): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== 1) return;
    if (!this.alive) {
      ws.terminate();
      return;
    }
    this.alive = false;
    ws.ping();
  }

  terminate(): void {
    this.#ws?.terminate();
  }
}

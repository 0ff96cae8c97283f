/**
 * `GET /ocpp/:id`: the station's WebSocket upgrade. Every refusal is a plain HTTP status sent before
 * upgrading, logged and kept in the handshake log; an accepted socket is handed to its actor.
 */
import type { Context } from "hono";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Registry } from "../actors/registry.ts";
import type { HandshakeLog } from "../security/handshake_log.ts";
import { isChargePointId } from "../protocol/ocppj/charge_point_id.ts";
import { CLOSE_CODES, type StationSocket } from "../actors/charge_point.ts";
import { type ActorDialect, pickDialect } from "../actors/dialect.ts";
import { dialectsPreferring } from "../actors/dialects.ts";
import { OCPP16_ACTOR } from "../actors/ocpp16.ts";
import { Slots } from "../model/slots.ts";
import { MessageRate, type MessageRateOptions } from "../security/message_rate.ts";
import { callMessageId } from "../protocol/ocppj/frames.ts";
import type { SecurityEventLog } from "../security/security_events.ts";
import type { StationGate } from "../security/station_gate.ts";
import type { SecurityProfile } from "../store/station_security.ts";
import type { RefusalThrottle } from "../security/refusal_throttle.ts";
import type { ShutOut } from "../security/shut_out.ts";
import { refuseHandshake } from "./handshake_refusal.ts";
import { remoteAddressOf } from "./remote_address.ts";
import { undecodablePart } from "./percent_encoding.ts";
import { handshakeFault } from "./websocket_handshake.ts";

/** The dialect of a station that offers no subprotocol (when ALLOW_MISSING_SUBPROTOCOL lets it in). */
export const OCPP_SUBPROTOCOL = OCPP16_ACTOR.protocol.subprotocol;

export interface OcppRouteOptions {
  registry: Registry;
  logger: Logger;
  handshakes: HandshakeLog;
  allowMissingSubprotocol: boolean;
  /** The subprotocol a station offering several we speak gets; default `ocpp2.0.1`. */
  preferredOcpp?: string;
  maxConnections: number;
  /** Seconds between pings of an idle socket; a peer that misses the pong is dropped. 0 disables. */
  pingIntervalS: number;
  now: () => Date;
  /** Security profiles, allow-lists and auth back-off; without it every station is profile 0. */
  gate?: StationGate;
  /** Per-station frame rate; without it, unlimited. */
  messageRate?: MessageRateOptions;
  securityEvents?: SecurityEventLog;
  /** Refused handshakes per source: past its budget they are no longer logged one by one. */
  refusals: RefusalThrottle;
  /** Counts accepted and refused upgrades. */
  metrics?: Metrics;
  /** How an accepted upgrade becomes a socket; default Deno's own WebSocket (`denoUpgrader`). */
  upgrader?: StationUpgrader;
  /** Decommissioned stations this process knows of: refused with 404 before upgrading. */
  shutOut?: ShutOut;
  /**
   * A profile 3 station let in with the client certificate the trusted proxy forwarded (PEM): the PKI records
   * one we issued to it whose delivery is not known yet as installed. Runs after the upgrade, not awaited.
   */
  certificatePresented?: (chargePointId: string, pem: string) => void;
}

/** What the route and the actor use of an upgraded socket: the browser WebSocket's shape, as far as needed. */
export interface UpgradingSocket extends StationSocket {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: (() => void) | null;
  addEventListener(type: "close", listener: () => void): void;
}

/** Completes an accepted upgrade: the socket (open once the response is sent) and the response to send. */
export interface StationUpgrader {
  upgrade(request: Request, protocol: string | null): { socket: UpgradingSocket; response: Response };
}

/** Deno's own WebSocket, pinged by Deno every `pingIntervalS` (0: never). */
export function denoUpgrader(pingIntervalS: number): StationUpgrader {
  return {
    upgrade(request, protocol) {
      const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: pingIntervalS });
      // Named explicitly: only a subprotocol we speak is ever agreed, whatever the station offered first. Set
      // on the response rather than through `protocol`, because Deno only splits the offer on ", " and refuses
      // "a,ocpp1.6".
      if (protocol) response.headers.set("sec-websocket-protocol", protocol);
      return { socket: socket as unknown as UpgradingSocket, response };
    },
  };
}

export function createOcppUpgradeHandler(options: OcppRouteOptions) {
  const { registry } = options;
  const upgrader = options.upgrader ?? denoUpgrader(options.pingIntervalS);
  // Sockets being upgraded count as much as open ones (see Slots).
  const slots = new Slots(options.maxConnections);
  const dialects = dialectsPreferring(options.preferredOcpp ?? "ocpp2.0.1");
  const spoken = dialects.map((d) => `"${d.protocol.subprotocol}"`).join(" or ");
  const refusalDeps = {
    logger: options.logger,
    handshakes: options.handshakes,
    refusals: options.refusals,
    now: options.now,
  };

  const { shutOut } = options;

  return async function ocppUpgrade(c: Context): Promise<Response> {
    let remoteAddress = remoteAddressOf(c);
    if (options.gate) remoteAddress = options.gate.client(c.req.raw, remoteAddress).address;
    const id = c.req.param("id") ?? "";
    const refuse = (
      status: number,
      reason: string,
      headers: Record<string, string> = {},
      told?: string,
    ): Response => {
      options.metrics?.handshake(status);
      return refuseHandshake(c, refusalDeps, {
        chargePointId: id === "" ? null : id.slice(0, 100),
        remoteAddress,
        status,
        reason,
        headers,
        ...(told === undefined ? {} : { told }),
      });
    };

    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return refuse(426, "Expected a WebSocket upgrade");
    }
    const fault = handshakeFault({
      key: c.req.header("sec-websocket-key") ?? null,
      version: c.req.header("sec-websocket-version") ?? null,
    });
    if (fault) return refuse(fault.status, fault.reason, fault.headers);
    if (undecodablePart(c.req.url) === "path") {
      return refuse(400, "Charge point id holds a percent-escape that does not decode to text");
    }
    if (!isChargePointId(id)) {
      return refuse(
        400,
        `Charge point id ${JSON.stringify(id.slice(0, 100))} must be 1-48 printable characters`,
      );
    }
    const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter(
      Boolean,
    );
    const agreed = pickDialect(dialects, offered);
    if (!agreed && !(offered.length === 0 && options.allowMissingSubprotocol)) {
      const got = offered.length ? `"${offered.join(", ")}"` : "none";
      return refuse(400, `Subprotocol ${spoken} is required (offered: ${got})`);
    }
    const replacing = registry.get(id) !== undefined;
    const release = registry.size >= options.maxConnections && !replacing ? null : slots.acquire(replacing);
    if (!release) {
      return refuse(503, `Connection limit of ${options.maxConnections} reached`, { "retry-after": "30" });
    }
    let profile: SecurityProfile = 0;
    let certificate: string | null = null;
    if (options.gate) {
      let verdict;
      try {
        verdict = await options.gate.check(c.req.raw, remoteAddressOf(c), id);
      } catch (error) {
        // The slot goes back whatever went wrong: each one kept would lower the ceiling for good.
        release();
        throw error;
      }
      if (!verdict.ok) {
        release();
        return refuse(verdict.status, verdict.reason, verdict.headers, verdict.told);
      }
      profile = verdict.profile;
      certificate = verdict.clientCertificate ?? null;
    }
    // After the security check: only a station that proved who it is learns that it is decommissioned.
    // Read only for an id known to be decommissioned: nothing on a boot burst's path.
    const since = shutOut?.knows(id)
      ? await shutOut.since(id, (i) => registry.deps.store.getChargePoint(i))
      : null;
    if (since !== null) {
      release();
      if (options.securityEvents && shutOut!.due(id, options.now().getTime())) {
        options.securityEvents.record({
          kind: "station_refused",
          chargePointId: id,
          remoteAddress,
          status: 404,
          reason: `Decommissioned since ${since}`,
        });
      }
      return refuse(404, `Charge point "${id}" is decommissioned`);
    }

    let upgraded;
    try {
      upgraded = upgrader.upgrade(c.req.raw, agreed?.protocol.subprotocol ?? null);
    } catch (error) {
      release();
      throw error;
    }
    const { socket, response } = upgraded;
    socket.addEventListener("close", release);
    // A station that offered no subprotocol (when allowed) speaks OCPP 1.6.
    attachStation(socket, id, remoteAddress, agreed ?? OCPP16_ACTOR, profile, options);
    options.metrics?.handshake(101);
    if (certificate !== null) options.certificatePresented?.(id, certificate);
    return response;
  };
}

/**
 * Hands an upgraded socket to its actor once open. A module-level function on purpose: handlers created
 * inside the request handler would keep the whole request (Hono context, headers) alive as long as the
 * station stays connected.
 */
function attachStation(
  socket: UpgradingSocket,
  id: string,
  remoteAddress: string,
  dialect: ActorDialect,
  profile: SecurityProfile,
  options: OcppRouteOptions,
): void {
  const { registry } = options;
  const rate = options.messageRate && options.messageRate.rate > 0
    ? new MessageRate(options.messageRate)
    : null;
  socket.onopen = () => {
    const actor = registry.spawn(id, socket, remoteAddress, dialect, profile);
    /** A frame waiting for its token, from a station that waited for its answers; at most one. */
    let held: { text: string; messageId: string | null; timer: ReturnType<typeof setTimeout> } | null = null;
    const release = () => {
      const text = held!.text;
      held = null;
      actor.frameReceived(text);
    };
    socket.onmessage = (event) => {
      const text = typeof event.data === "string" ? event.data : null;
      if (rate && text !== null) {
        if (actor.answersCallInFlight(text)) return actor.frameReceived(text);
        // A copy of the CALL held for its token: the actor has not seen that id yet, so it is told here.
        if (held?.messageId != null && callMessageId(text) === held.messageId) {
          return actor.droppedCopy(held.messageId);
        }
        if (held === null && !actor.hasUnansweredCall) {
          // It waited for its answers (an offline backlog replayed one by one): slowed to the rate, not refused.
          const wait = rate.reserve(performance.now());
          if (wait === 0) actor.frameReceived(text);
          else held = { text, messageId: callMessageId(text), timer: setTimeout(release, wait) };
          return;
        }
      }
      const verdict = rate?.admit(performance.now()) ?? "accept";
      if (verdict === "accept") {
        if (text !== null) actor.frameReceived(text);
        else actor.binaryReceived();
      } else if (verdict === "refuse") {
        actor.refuseOverRate(text !== null ? callMessageId(text) : null);
      } else if (!actor.isStopping) {
        options.securityEvents?.record({
          kind: "station_flood_closed",
          chargePointId: id,
          remoteAddress,
          reason: "Kept sending past its message rate",
        });
        actor.close(CLOSE_CODES.flooding, "Message rate exceeded");
      }
    };
    const closed = (code: number, reason: string) => {
      if (held) clearTimeout(held.timer);
      actor.socketClosed(code, reason);
    };
    socket.onclose = (event) => closed(event.code, event.reason);
    socket.onerror = () => closed(1006, "Socket error");
  };
}

/**
 * `GET /ocpp/:id`: the station's WebSocket upgrade. Every refusal is a plain HTTP status sent before
 * upgrading, logged and kept in the handshake log; an accepted socket is handed to its actor.
 */
import type { Context } from "hono";
import type { Logger } from "../logger.ts";
import type { Registry } from "../actors/registry.ts";
import type { HandshakeLog } from "./handshake_log.ts";

export const OCPP_SUBPROTOCOL = "ocpp1.6";

/** Printable ASCII without spaces, 1 to 48 characters (OCPP 1.6 chargeBoxIdentity is CiString48 in SOAP). */
const CHARGE_POINT_ID = /^[\x21-\x7e]{1,48}$/;

export interface OcppRouteOptions {
  registry: Registry;
  logger: Logger;
  handshakes: HandshakeLog;
  allowMissingSubprotocol: boolean;
  maxConnections: number;
  /** Seconds between pings of an idle socket; a peer that misses the pong is dropped. 0 disables. */
  pingIntervalS: number;
  now: () => Date;
}

export function remoteAddressOf(c: Context): string {
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return info?.remoteAddr?.hostname ?? "unknown";
}

export function createOcppUpgradeHandler(options: OcppRouteOptions) {
  const { registry, logger, handshakes } = options;

  return function ocppUpgrade(c: Context): Response {
    const remoteAddress = remoteAddressOf(c);
    const id = c.req.param("id") ?? "";
    const refuse = (status: number, reason: string): Response => {
      const chargePointId = id === "" ? null : id.slice(0, 100);
      logger.warn("handshake refused", { chargePointId, remoteAddress, status, reason });
      handshakes.add({ at: options.now().toISOString(), chargePointId, remoteAddress, status, reason });
      return c.json({ error: "handshake_refused", message: reason }, status as 400);
    };

    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return refuse(426, "Expected a WebSocket upgrade");
    }
    if (!CHARGE_POINT_ID.test(id)) {
      return refuse(
        400,
        `Charge point id ${JSON.stringify(id.slice(0, 100))} must be 1-48 printable characters`,
      );
    }
    const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim()).filter(
      Boolean,
    );
    const speaksOcpp16 = offered.includes(OCPP_SUBPROTOCOL);
    if (!speaksOcpp16 && !(offered.length === 0 && options.allowMissingSubprotocol)) {
      const got = offered.length ? `"${offered.join(", ")}"` : "none";
      return refuse(400, `Subprotocol "${OCPP_SUBPROTOCOL}" is required (offered: ${got})`);
    }
    if (registry.size >= options.maxConnections && !registry.get(id)) {
      return refuse(503, `Connection limit of ${options.maxConnections} reached`);
    }

    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: options.pingIntervalS });
    // Named explicitly: only "ocpp1.6" is ever agreed, whatever the station offered first. Set on the response
    // rather than through `protocol`, because Deno only splits the offer on ", " and refuses "a,ocpp1.6".
    if (speaksOcpp16) response.headers.set("sec-websocket-protocol", OCPP_SUBPROTOCOL);
    socket.onopen = () => {
      const actor = registry.spawn(id, socket, remoteAddress);
      socket.onmessage = (event) => {
        if (typeof event.data === "string") actor.frameReceived(event.data);
        else actor.binaryReceived();
      };
      socket.onclose = (event) => actor.socketClosed(event.code, event.reason);
      socket.onerror = () => actor.socketClosed(1006, "Socket error");
    };
    return response;
  };
}

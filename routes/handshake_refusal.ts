/**
 * How a WebSocket handshake is refused, for the /ocpp upgrade and for upgrades to unknown paths: a plain HTTP
 * status with the JSON error body and `Connection: close` (a refused socket gives its file descriptor back at
 * once), a log line and an entry in the handshake log, unless the source has been refused too often lately
 * (security/refusal_throttle.ts): then nothing is logged one by one, and the cheap refusals (400, 404, 426)
 * become 429 with Retry-After.
 */
import type { Context } from "hono";
import type { Logger } from "../logger.ts";
import type { HandshakeLog } from "../security/handshake_log.ts";
import type { RefusalThrottle } from "../security/refusal_throttle.ts";

export interface HandshakeRefusalDeps {
  logger: Logger;
  handshakes: HandshakeLog;
  refusals: RefusalThrottle;
  now: () => Date;
}

/** Refusals that cost nothing to decide, answered 429 once a source is throttled. */
const CHEAP = new Set([400, 404, 426]);

export function refuseHandshake(
  c: Context,
  deps: HandshakeRefusalDeps,
  refusal: {
    chargePointId: string | null;
    remoteAddress: string;
    status: number;
    reason: string;
    /** What the client is told, when `reason` (logged) would say too much. */
    told?: string;
    headers?: Record<string, string>;
  },
): Response {
  const { chargePointId, remoteAddress, reason } = refusal;
  const at = deps.now();
  const verdict = deps.refusals.refused(remoteAddress, at.getTime());
  // Sources dropped from the throttle's memory to make room: their counts get no later summary.
  for (const lost of verdict.forgotten ?? []) {
    deps.logger.warn("handshake refusals throttled", { ...lost, forgotten: true });
  }
  let status = refusal.status;
  let message = refusal.told ?? reason;
  let headers = refusal.headers ?? {};
  if (!verdict.quiet) {
    deps.logger.warn("handshake refused", { chargePointId, remoteAddress, status, reason });
    deps.handshakes.add({ at: at.toISOString(), chargePointId, remoteAddress, status, reason });
  } else {
    if (verdict.summary) {
      deps.logger.warn("handshake refusals throttled", {
        source: verdict.summary.source,
        suppressed: verdict.summary.suppressed,
        lastReason: reason,
      });
    }
    if (CHEAP.has(status)) {
      status = 429;
      message = `Too many refused handshakes from this address; retry after ${verdict.retryAfterS} s`;
      headers = { "retry-after": String(verdict.retryAfterS) };
    }
  }
  return c.json({ error: "handshake_refused", message }, status as 400, { ...headers, connection: "close" });
}

/**
 * SecurityEventNotification (OCPP 1.6 Security Whitepaper ed. 3 §5.15, use case A04): the station's event goes
 * to the security event log with the other security events (kind `station_event`, or `station_event_critical`
 * for the types the whitepaper marks critical), stored before the answer; a critical one is also sent on the
 * event stream.
 */
import { isCriticalSecurityEvent } from "../../protocol/ocpp16/security_event_types.ts";
import { isoString, toUtcIso } from "../../protocol/ocppj/time.ts";
import type { Handler } from "./handler.ts";

export const securityEventNotification: Handler<"SecurityEventNotification"> = (_state, request, ctx) => {
  const critical = isCriticalSecurityEvent(request.type);
  const timestamp = toUtcIso(request.timestamp);
  const detail = request.techInfo ? `${request.type}: ${request.techInfo}` : request.type;
  return {
    response: {},
    securityEvents: [{
      kind: critical ? "station_event_critical" : "station_event",
      reason: `${detail} (station time ${timestamp})`,
    }],
    events: critical
      ? [{
        type: "securityEvent",
        chargePointId: ctx.chargePointId,
        at: isoString(ctx.now),
        stationEventType: request.type,
        critical,
        timestamp,
        techInfo: request.techInfo ?? null,
      }]
      : [],
  };
};

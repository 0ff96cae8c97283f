import { upsertEvseConnector } from "../../../model/evse.ts";
import { toUtcIso } from "../../../protocol/ocppj/time.ts";
import type { Handler201 } from "./handler.ts";

/**
 * OCPP 2.0.1 G01: one connector of one EVSE. Always recorded (the station knows its hardware); the
 * transaction we know open on the EVSE stays attached.
 */
export const statusNotification: Handler201<"StatusNotification"> = (state, request) => ({
  response: {},
  changes: {
    snapshot: {
      evses: upsertEvseConnector(state.evses ?? [], {
        evseId: request.evseId,
        connectorId: request.connectorId,
        status: request.connectorStatus,
        timestamp: toUtcIso(request.timestamp),
      }),
    },
  },
  log: [{
    level: "info",
    msg: "status notification",
    fields: { evseId: request.evseId, connectorId: request.connectorId, status: request.connectorStatus },
  }],
});

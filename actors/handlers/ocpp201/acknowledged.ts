/**
 * OCPP 2.0.1 reports we acknowledge and log without keeping more: NotifyEvent (monitoring is out of scope),
 * ReportChargingProfiles, NotifyChargingLimit and ClearedChargingLimit (the operator's command log keeps
 * what we asked; the answer to GetChargingProfiles is these reports).
 */
import type { Handler201 } from "./handler.ts";

export const notifyEvent: Handler201<"NotifyEvent"> = (_state, request) => ({
  response: {},
  log: [{
    level: "info",
    msg: "device model events",
    fields: { seqNo: request.seqNo, events: request.eventData.length, tbc: request.tbc ?? false },
  }],
});

export const reportChargingProfiles: Handler201<"ReportChargingProfiles"> = (_state, request) => ({
  response: {},
  log: [{
    level: "info",
    msg: "charging profiles reported",
    fields: {
      requestId: request.requestId,
      evseId: request.evseId,
      source: request.chargingLimitSource,
      profiles: request.chargingProfile.map((p) => p.id),
      tbc: request.tbc ?? false,
    },
  }],
});

export const notifyChargingLimit: Handler201<"NotifyChargingLimit"> = (_state, request) => ({
  response: {},
  log: [{
    level: "info",
    msg: "external charging limit",
    fields: {
      evseId: request.evseId,
      source: request.chargingLimit.chargingLimitSource,
      gridCritical: request.chargingLimit.isGridCritical ?? false,
    },
  }],
});

export const clearedChargingLimit: Handler201<"ClearedChargingLimit"> = (_state, request) => ({
  response: {},
  log: [{
    level: "info",
    msg: "external charging limit cleared",
    fields: { evseId: request.evseId, source: request.chargingLimitSource },
  }],
});

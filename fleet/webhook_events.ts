/**
 * The events webhooks deliver, made from what the system already publishes: station events (actors), security
 * events, finished jobs. Each has a stable `id` (the same fact always gives the same id), so a receiver drops
 * a duplicate (a replayed StartTransaction, a retried delivery) by it.
 *
 * @example
 * ```ts
 * webhookEventOfStation({ type: "disconnected", chargePointId: "CP-1", at: "2026-01-01T00:00:00.000Z", code: 1006, reason: "" });
 * // { id: "station.offline:CP-1:2026-01-01T00:00:00.000Z", type: "station.offline", at: ..., data: { chargePointId: "CP-1", code: 1006, reason: "" } }
 * ```
 */
import type { StationEvent } from "../actors/events.ts";
import type { SecurityEvent } from "../store/security_events.ts";
import type { JobRecord, TaskCounts } from "../store/fleet.ts";

export const WEBHOOK_EVENT_TYPES = [
  "station.online",
  "station.offline",
  "station.faulted",
  // OCPP 2.0.1: an external charging limit (NotifyChargingLimit) set on a station, or cleared.
  "station.charging_limit",
  // An operator decommissioned a station, or put it back in service.
  "station.decommissioned",
  "station.recommissioned",
  "transaction.started",
  "transaction.stopped",
  "security.event",
  "job.finished",
] as const;

export type WebhookEventType = typeof WEBHOOK_EVENT_TYPES[number];

export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  at: string;
  data: Record<string, unknown>;
}

export function webhookEventOfStation(event: StationEvent): WebhookEvent | null {
  const cp = event.chargePointId;
  switch (event.type) {
    case "connected":
      return {
        id: `station.online:${cp}:${event.at}`,
        type: "station.online",
        at: event.at,
        data: { chargePointId: cp, remoteAddress: event.remoteAddress },
      };
    case "disconnected":
      return {
        id: `station.offline:${cp}:${event.at}`,
        type: "station.offline",
        at: event.at,
        data: { chargePointId: cp, code: event.code, reason: event.reason },
      };
    case "status": {
      const c = event.connector;
      if (c.status !== "Faulted") return null;
      return {
        id: `station.faulted:${cp}:${c.connectorId}:${c.timestamp}`,
        type: "station.faulted",
        at: event.at,
        data: { chargePointId: cp, connector: c },
      };
    }
    case "evseStatus": {
      // OCPP 2.0.1: the same event, with the EVSE and connector in place of the 1.6 connector.
      const e = event.evse;
      if (e.status !== "Faulted") return null;
      return {
        id: `station.faulted:${cp}:${e.evseId}/${e.connectorId}:${e.timestamp}`,
        type: "station.faulted",
        at: event.at,
        data: { chargePointId: cp, evse: e },
      };
    }
    case "chargingLimit":
      return {
        id: `station.charging_limit:${cp}:${event.evseId ?? "all"}:${event.chargingLimitSource}:${
          event.cleared ? "cleared" : "set"
        }:${event.at}`,
        type: "station.charging_limit",
        at: event.at,
        data: {
          chargePointId: cp,
          evseId: event.evseId,
          chargingLimitSource: event.chargingLimitSource,
          cleared: event.cleared,
          isGridCritical: event.isGridCritical,
        },
      };
    case "service": {
      const type = event.inService ? "station.recommissioned" : "station.decommissioned";
      return {
        id: `${type}:${cp}:${event.at}`,
        type,
        at: event.at,
        data: { chargePointId: cp, by: event.by },
      };
    }
    case "transaction": {
      const tx = event.transaction;
      if (tx.status === "active") {
        return {
          id: `transaction.started:${tx.transactionId}`,
          type: "transaction.started",
          at: event.at,
          data: { chargePointId: cp, transaction: tx },
        };
      }
      if (tx.status === "finished") {
        return {
          id: `transaction.stopped:${tx.transactionId}`,
          type: "transaction.stopped",
          at: event.at,
          data: { chargePointId: cp, transaction: tx },
        };
      }
      return null;
    }
    default:
      return null;
  }
}

export function webhookEventOfSecurity(event: SecurityEvent): WebhookEvent {
  return { id: `security.event:${event.id}`, type: "security.event", at: event.at, data: { ...event } };
}

export function webhookEventOfJob(job: JobRecord, counts: TaskCounts): WebhookEvent {
  const at = job.finishedAt ?? job.createdAt;
  return {
    id: `job.finished:${job.id}:${at}`,
    type: "job.finished",
    at,
    data: {
      jobId: job.id,
      action: job.action,
      state: job.state,
      total: job.total,
      outcomes: counts.outcomes,
      results: counts.results,
    },
  };
}

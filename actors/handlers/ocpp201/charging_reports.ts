/**
 * OCPP 2.0.1 smart charging reports, kept on the station's snapshot (`model/charging_reports.ts`):
 * ReportChargingProfiles (K09, the answer to GetChargingProfiles), NotifyChargingLimit (K12) and
 * ClearedChargingLimit (K13); a limit set or cleared is also a `chargingLimit` event on the live stream.
 */
import { isoString } from "../../../protocol/ocppj/time.ts";
import {
  withChargingLimit,
  withoutChargingLimit,
  withReportedProfiles,
} from "../../../model/charging_reports.ts";
import { requireConnectorId, requireSchedulePeriodsInRange } from "../bounds.ts";
import type { Handler201 } from "./handler.ts";

export const reportChargingProfiles: Handler201<"ReportChargingProfiles"> = async (_state, request, ctx) => {
  requireConnectorId(request.evseId, 0, "evseId");
  return {
    response: {},
    changes: {
      snapshot: {
        chargingReports: withReportedProfiles(
          (await ctx.details()).chargingReports,
          request.requestId,
          {
            evseId: request.evseId,
            chargingLimitSource: request.chargingLimitSource,
            chargingProfile: request.chargingProfile as Record<string, unknown>[],
          },
          request.tbc ?? false,
          isoString(ctx.now),
        ),
      },
    },
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
  };
};

export const notifyChargingLimit: Handler201<"NotifyChargingLimit"> = async (_state, request, ctx) => {
  const at = isoString(ctx.now);
  const { chargingLimitSource, isGridCritical } = request.chargingLimit;
  const evseId = request.evseId ?? 0;
  requireConnectorId(evseId, 0, "evseId");
  if (request.chargingSchedule) requireSchedulePeriodsInRange(request.chargingSchedule, "chargingSchedule");
  return {
    response: {},
    changes: {
      snapshot: {
        chargingReports: withChargingLimit((await ctx.details()).chargingReports, {
          evseId,
          chargingLimitSource,
          isGridCritical: isGridCritical ?? false,
          ...(request.chargingSchedule
            ? { chargingSchedule: request.chargingSchedule as Record<string, unknown>[] }
            : {}),
          at,
        }),
      },
    },
    events: [{
      type: "chargingLimit",
      chargePointId: ctx.chargePointId,
      at,
      evseId,
      chargingLimitSource,
      cleared: false,
      isGridCritical: isGridCritical ?? false,
    }],
    log: [{
      level: "info",
      msg: "external charging limit",
      fields: { evseId, source: chargingLimitSource, gridCritical: isGridCritical ?? false },
    }],
  };
};

export const clearedChargingLimit: Handler201<"ClearedChargingLimit"> = async (_state, request, ctx) => {
  if (request.evseId !== undefined) requireConnectorId(request.evseId, 0, "evseId");
  return {
    response: {},
    changes: {
      snapshot: {
        chargingReports: withoutChargingLimit(
          (await ctx.details()).chargingReports,
          request.chargingLimitSource,
          request.evseId,
        ),
      },
    },
    events: [{
      type: "chargingLimit",
      chargePointId: ctx.chargePointId,
      at: isoString(ctx.now),
      evseId: request.evseId ?? null,
      chargingLimitSource: request.chargingLimitSource,
      cleared: true,
      isGridCritical: null,
    }],
    log: [{
      level: "info",
      msg: "external charging limit cleared",
      fields: { evseId: request.evseId, source: request.chargingLimitSource },
    }],
  };
};

/**
 * Load management and the charging profile service speak OCPP 1.6's charging profile commands; an OCPP
 * 2.0.1 station gets the same profiles in its own shape (OCPP 2.0.1 Part 2 K01, K08, K10), so a site
 * treats 1.6 and 2.0.1 stations alike: the connector is the EVSE, ChargePointMaxProfile is
 * ChargingStationMaxProfile, a TxProfile names the station's own transactionId (the ledger keeps it), and
 * the schedule is a list of one. The answers come back in 1.6's shape. Pure translations, plus the
 * `StationCommands` that applies them by the station's dialect.
 */
import type { ChargingProfile } from "../protocol/ocpp16/common.ts";
import type { RequestOf, ResponseOf } from "../protocol/ocpp16/mod.ts";
import type { RequestOf as RequestOf201, ResponseOf as ResponseOf201 } from "../protocol/ocpp201/mod.ts";
import type { CommandLogRow, ProfileAction, StationCommands } from "./charging_profile_service.ts";

type Purpose201 = RequestOf201<"SetChargingProfile">["chargingProfile"]["chargingProfilePurpose"];

function purpose201(purpose: ChargingProfile["chargingProfilePurpose"]): Purpose201 {
  return purpose === "ChargePointMaxProfile" ? "ChargingStationMaxProfile" : purpose;
}

/** 2.0.1's purpose as 1.6 names it (ChargingStationExternalConstraints has no 1.6 name: callers refuse it). */
function purpose16(purpose: Exclude<Purpose201, "ChargingStationExternalConstraints">) {
  return purpose === "ChargingStationMaxProfile" ? "ChargePointMaxProfile" : purpose;
}

/** A schedule period with the fields both versions have (2.0.1's `phaseToUse` is not among them). */
function plainPeriod(period: { startPeriod: number; limit: number; numberPhases?: number | undefined }) {
  return {
    startPeriod: period.startPeriod,
    limit: period.limit,
    ...(period.numberPhases !== undefined ? { numberPhases: period.numberPhases } : {}),
  };
}

/** A 1.6 SetChargingProfile as OCPP 2.0.1's; `stationTransactionId` replaces a TxProfile's ledger id. */
export function setChargingProfile201(
  request: RequestOf<"SetChargingProfile">,
  stationTransactionId: string | null,
): RequestOf201<"SetChargingProfile"> {
  const p = request.csChargingProfiles;
  const s = p.chargingSchedule;
  const schedule: RequestOf201<"SetChargingProfile">["chargingProfile"]["chargingSchedule"][number] = {
    id: p.chargingProfileId,
    chargingRateUnit: s.chargingRateUnit,
    chargingSchedulePeriod: s.chargingSchedulePeriod.map(plainPeriod),
  };
  if (s.duration !== undefined) schedule.duration = s.duration;
  if (s.startSchedule !== undefined) schedule.startSchedule = s.startSchedule;
  if (s.minChargingRate !== undefined) schedule.minChargingRate = s.minChargingRate;
  const profile: RequestOf201<"SetChargingProfile">["chargingProfile"] = {
    id: p.chargingProfileId,
    stackLevel: p.stackLevel,
    chargingProfilePurpose: purpose201(p.chargingProfilePurpose),
    chargingProfileKind: p.chargingProfileKind,
    chargingSchedule: [schedule],
  };
  if (p.recurrencyKind !== undefined) profile.recurrencyKind = p.recurrencyKind;
  if (p.validFrom !== undefined) profile.validFrom = p.validFrom;
  if (p.validTo !== undefined) profile.validTo = p.validTo;
  if (stationTransactionId !== null) profile.transactionId = stationTransactionId;
  return { evseId: request.connectorId, chargingProfile: profile };
}

export function clearChargingProfile201(
  request: RequestOf<"ClearChargingProfile">,
): RequestOf201<"ClearChargingProfile"> {
  const out: RequestOf201<"ClearChargingProfile"> = {};
  if (request.id !== undefined) out.chargingProfileId = request.id;
  const criteria: NonNullable<RequestOf201<"ClearChargingProfile">["chargingProfileCriteria"]> = {};
  if (request.connectorId !== undefined) criteria.evseId = request.connectorId;
  if (request.chargingProfilePurpose !== undefined) {
    criteria.chargingProfilePurpose = purpose201(request.chargingProfilePurpose);
  }
  if (request.stackLevel !== undefined) criteria.stackLevel = request.stackLevel;
  if (Object.keys(criteria).length > 0) out.chargingProfileCriteria = criteria;
  return out;
}

export function getCompositeSchedule201(
  request: RequestOf<"GetCompositeSchedule">,
): RequestOf201<"GetCompositeSchedule"> {
  return {
    evseId: request.connectorId,
    duration: request.duration,
    ...(request.chargingRateUnit !== undefined ? { chargingRateUnit: request.chargingRateUnit } : {}),
  };
}

/** A 2.0.1 composite schedule as 1.6's (limits to 1.6's one decimal). */
export function compositeSchedule16(
  response: ResponseOf201<"GetCompositeSchedule">,
): ResponseOf<"GetCompositeSchedule"> {
  const schedule = response.schedule;
  if (!schedule) return { status: response.status };
  return {
    status: response.status,
    connectorId: schedule.evseId,
    scheduleStart: schedule.scheduleStart,
    chargingSchedule: {
      duration: schedule.duration,
      startSchedule: schedule.scheduleStart,
      chargingRateUnit: schedule.chargingRateUnit,
      chargingSchedulePeriod: schedule.chargingSchedulePeriod.map((period) => ({
        startPeriod: period.startPeriod,
        limit: Math.round(period.limit * 10) / 10,
        ...(period.numberPhases !== undefined ? { numberPhases: period.numberPhases } : {}),
      })),
    },
  };
}

export interface DialectDeps {
  /** Sends any dialect's command (the registry's `send`); rejects as `StationCommands.call` does. */
  send(chargePointId: string, action: string, payload: unknown, log?: CommandLogRow): Promise<unknown>;
  /**
   * The station's subprotocol: its live connection's (on any process of a cluster), else the one it last
   * connected with; null when unknown.
   */
  dialectOf(chargePointId: string): string | null | Promise<string | null>;
  /** The station's own id of a ledger transaction (OCPP 2.0.1), or null. */
  stationTransactionId(transactionId: number): Promise<string | null>;
  /** Connected to this process or, in a cluster, to any (the registry routes the command there). */
  isConnected(chargePointId: string): boolean;
}

/** `StationCommands` that speak each station's dialect. */
export function dialectAwareCommands(deps: DialectDeps): StationCommands {
  return {
    isConnected: (id) => deps.isConnected(id),
    async call<A extends ProfileAction>(
      id: string,
      action: A,
      payload: RequestOf<A>,
      log?: CommandLogRow,
    ): Promise<ResponseOf<A>> {
      if (await deps.dialectOf(id) !== "ocpp2.0.1") {
        return await deps.send(id, action, payload, log) as ResponseOf<A>;
      }
      switch (action) {
        case "SetChargingProfile": {
          const request = payload as RequestOf<"SetChargingProfile">;
          const ledgerId = request.csChargingProfiles.transactionId;
          const stationId = ledgerId === undefined ? null : await deps.stationTransactionId(ledgerId);
          const answer = await deps.send(
            id,
            action,
            setChargingProfile201(request, stationId),
            log,
          ) as ResponseOf201<
            "SetChargingProfile"
          >;
          return { status: answer.status } as ResponseOf<A>;
        }
        case "ClearChargingProfile": {
          const request = clearChargingProfile201(payload as RequestOf<"ClearChargingProfile">);
          const answer = await deps.send(id, action, request, log) as ResponseOf201<"ClearChargingProfile">;
          return { status: answer.status } as ResponseOf<A>;
        }
        default: {
          const request = getCompositeSchedule201(payload as RequestOf<"GetCompositeSchedule">);
          const answer = await deps.send(id, action, request, log) as ResponseOf201<"GetCompositeSchedule">;
          return compositeSchedule16(answer) as ResponseOf<A>;
        }
      }
    },
  };
}

/**
 * An operator's own 2.0.1 SetChargingProfile as the 1.6 request the record keeps (the EVSE as the connector):
 * null when 1.6's shape cannot carry it exactly, and so the record cannot send it again as it was (several
 * schedules, a sales tariff, a period's `phaseToUse`, a limit finer than 0.1, ChargingStationExternalConstraints,
 * or a TxProfile whose transaction the ledger does not know: `ledgerId` null).
 */
export function setChargingProfile16(
  request: RequestOf201<"SetChargingProfile">,
  ledgerId: number | null,
): RequestOf<"SetChargingProfile"> | null {
  const p = request.chargingProfile;
  const [s, ...more] = p.chargingSchedule;
  if (!s || more.length > 0 || s.salesTariff !== undefined) return null;
  if (p.chargingProfilePurpose === "ChargingStationExternalConstraints") return null;
  if (p.transactionId !== undefined && ledgerId === null) return null;
  if (s.chargingSchedulePeriod.some((x) => x.phaseToUse !== undefined || !tenths(x.limit))) return null;
  if (s.minChargingRate !== undefined && !tenths(s.minChargingRate)) return null;
  const schedule: ChargingProfile["chargingSchedule"] = {
    chargingRateUnit: s.chargingRateUnit,
    chargingSchedulePeriod: s.chargingSchedulePeriod.map(plainPeriod),
  };
  if (s.duration !== undefined) schedule.duration = s.duration;
  if (s.startSchedule !== undefined) schedule.startSchedule = s.startSchedule;
  if (s.minChargingRate !== undefined) schedule.minChargingRate = s.minChargingRate;
  const profile: ChargingProfile = {
    chargingProfileId: p.id,
    stackLevel: p.stackLevel,
    chargingProfilePurpose: purpose16(p.chargingProfilePurpose),
    chargingProfileKind: p.chargingProfileKind,
    chargingSchedule: schedule,
  };
  if (p.recurrencyKind !== undefined) profile.recurrencyKind = p.recurrencyKind;
  if (p.validFrom !== undefined) profile.validFrom = p.validFrom;
  if (p.validTo !== undefined) profile.validTo = p.validTo;
  if (ledgerId !== null) profile.transactionId = ledgerId;
  return { connectorId: request.evseId, csChargingProfiles: profile };
}

/** An operator's own 2.0.1 ClearChargingProfile as 1.6's; null when it selects what the record never holds. */
export function clearChargingProfile16(
  request: RequestOf201<"ClearChargingProfile">,
): RequestOf<"ClearChargingProfile"> | null {
  const criteria = request.chargingProfileCriteria;
  if (criteria?.chargingProfilePurpose === "ChargingStationExternalConstraints") return null;
  const out: RequestOf<"ClearChargingProfile"> = {};
  if (request.chargingProfileId !== undefined) out.id = request.chargingProfileId;
  if (criteria?.evseId !== undefined) out.connectorId = criteria.evseId;
  if (criteria?.chargingProfilePurpose !== undefined) {
    out.chargingProfilePurpose = purpose16(criteria.chargingProfilePurpose);
  }
  if (criteria?.stackLevel !== undefined) out.stackLevel = criteria.stackLevel;
  return out;
}

/** Whether `n` has at most one decimal, as OCPP 1.6's limits (multipleOf 0.1). */
function tenths(n: number): boolean {
  return Math.abs(Math.round(n * 10) - n * 10) < 1e-9;
}

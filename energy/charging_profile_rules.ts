/**
 * What an operator's charging profile must be before it goes to a station: the rules of OCPP 1.6 (§3.13,
 * §7.7 ChargingProfile, §7.8 ChargingSchedule, §7.9 ChargingSchedulePeriod) and OCPP 2.0.1 (Part 2 K01) that
 * their JSON schemas leave out, and two bounds of ours. The schemas say a limit is a number and a
 * stackLevel an integer; a station fed -5 A, 1e300 W or periods out of order either rejects it or, worse,
 * accepts it. Pure: the time a validTo is compared with is passed in.
 *
 * Only what the specs forbid (or what no station can do anything with) is refused: a recurrencyKind on a
 * profile that does not recur, a duration shorter than its periods or a limit of 0 (pause) are allowed.
 *
 * @example
 * ```ts
 * import { setChargingProfileProblem16 } from "./charging_profile_rules.ts";
 * const problem = setChargingProfileProblem16({
 *   connectorId: 1,
 *   csChargingProfiles: {
 *     chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: "TxDefaultProfile", chargingProfileKind: "Relative",
 *     chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: -6 }] },
 *   },
 * }, new Date());
 * problem?.field; // "csChargingProfiles.chargingSchedule.chargingSchedulePeriod.0.limit"
 * ```
 */
import { MAX_CONNECTOR_ID } from "../actors/handlers/bounds.ts";
import type { RequestOf } from "../protocol/ocpp16/mod.ts";
import type { RequestOf as RequestOf201 } from "../protocol/ocpp201/mod.ts";

/**
 * Most periods one schedule may have. OCPP 2.0.1's schema allows 1024 (1.6's sets no maximum; stations
 * advertise ChargingScheduleMaxPeriods, typically far fewer); a stored profile of 1024 periods at their
 * longest is about 56 KB in Deno KV, whose values are at most 64 KiB.
 */
export const MAX_SCHEDULE_PERIODS = 1024;

/**
 * Largest limit (and minChargingRate) per unit: 10 000 A and 10 MW are above any station's connection,
 * megawatt charging included (MCS: 3 000 A, 3.75 MW), and keep one decimal exact in a double.
 */
export const MAX_LIMIT = { A: 10_000, W: 10_000_000 } as const;

/** What is wrong with a profile: the first failing field (dotted path, as the schemas' errors name it). */
export interface ProfileProblem {
  field: string;
  message: string;
}

type Schedule = {
  startSchedule?: string | undefined;
  duration?: number | undefined;
  chargingRateUnit: "A" | "W";
  chargingSchedulePeriod: readonly Period[];
  minChargingRate?: number | undefined;
};

type Period = {
  startPeriod: number;
  limit: number;
  numberPhases?: number | undefined;
  phaseToUse?: number | undefined;
};

/** A profile as both dialects have it, with the names each gives its fields. */
interface ProfileView {
  connectorId: number;
  connectorField: string;
  /** The path of the profile object (`csChargingProfiles`, `chargingProfile`). */
  at: string;
  chargingProfileId: number;
  idField: string;
  stackLevel: number;
  /** The station-wide maximum: ChargePointMaxProfile (1.6), ChargingStationMaxProfile (2.0.1). */
  isStationMax: boolean;
  isTxProfile: boolean;
  chargingProfileKind: "Absolute" | "Recurring" | "Relative";
  hasRecurrencyKind: boolean;
  hasTransactionId: boolean;
  validFrom?: string | undefined;
  validTo?: string | undefined;
  schedules: { schedule: Schedule; at: string }[];
  /** OCPP 2.0.1 K01.FR.40 wants a startSchedule for Recurring too; 1.6 does not. */
  recurringNeedsStart: boolean;
}

/** The first rule an OCPP 1.6 SetChargingProfile.req breaks, or null. */
export function setChargingProfileProblem16(
  request: RequestOf<"SetChargingProfile">,
  now: Date,
): ProfileProblem | null {
  const p = request.csChargingProfiles;
  return profileProblem({
    connectorId: request.connectorId,
    connectorField: "connectorId",
    at: "csChargingProfiles",
    chargingProfileId: p.chargingProfileId,
    idField: "csChargingProfiles.chargingProfileId",
    stackLevel: p.stackLevel,
    isStationMax: p.chargingProfilePurpose === "ChargePointMaxProfile",
    isTxProfile: p.chargingProfilePurpose === "TxProfile",
    chargingProfileKind: p.chargingProfileKind,
    hasRecurrencyKind: p.recurrencyKind !== undefined,
    hasTransactionId: p.transactionId !== undefined,
    validFrom: p.validFrom,
    validTo: p.validTo,
    schedules: [{ schedule: p.chargingSchedule, at: "csChargingProfiles.chargingSchedule" }],
    recurringNeedsStart: false,
  }, now);
}

/** The first rule an OCPP 2.0.1 SetChargingProfileRequest breaks, or null. */
export function setChargingProfileProblem201(
  request: RequestOf201<"SetChargingProfile">,
  now: Date,
): ProfileProblem | null {
  const p = request.chargingProfile;
  return profileProblem({
    connectorId: request.evseId,
    connectorField: "evseId",
    at: "chargingProfile",
    chargingProfileId: p.id,
    idField: "chargingProfile.id",
    stackLevel: p.stackLevel,
    isStationMax: p.chargingProfilePurpose === "ChargingStationMaxProfile",
    isTxProfile: p.chargingProfilePurpose === "TxProfile",
    chargingProfileKind: p.chargingProfileKind,
    hasRecurrencyKind: p.recurrencyKind !== undefined,
    hasTransactionId: p.transactionId !== undefined,
    validFrom: p.validFrom,
    validTo: p.validTo,
    schedules: p.chargingSchedule.map((schedule, i) => ({
      schedule,
      at: `chargingProfile.chargingSchedule.${i}`,
    })),
    recurringNeedsStart: true,
  }, now);
}

function profileProblem(v: ProfileView, now: Date): ProfileProblem | null {
  const problem = (field: string, message: string) => ({ field, message });
  if (v.connectorId < 0 || v.connectorId > MAX_CONNECTOR_ID) {
    return problem(
      v.connectorField,
      `${v.connectorField} must be 0 (the whole station) to ${MAX_CONNECTOR_ID}`,
    );
  }
  if (v.chargingProfileId < 0) {
    return problem(v.idField, `A chargingProfileId must not be negative (got ${v.chargingProfileId})`);
  }
  // OCPP 1.6 §7.7: "Lowest level is 0"; 2.0.1's stackLevel is the same.
  if (v.stackLevel < 0) {
    return problem(
      `${v.at}.stackLevel`,
      `stackLevel must not be negative (got ${v.stackLevel}); 0 is the lowest`,
    );
  }
  // OCPP 1.6 §3.13.1: a ChargePointMaxProfile can only be set at connectorId 0 (2.0.1 K01.FR.03: evseId 0).
  if (v.isStationMax && v.connectorId !== 0) {
    return problem(
      v.connectorField,
      `A station-wide maximum profile applies to ${v.connectorField} 0 only (got ${v.connectorId})`,
    );
  }
  // OCPP 1.6 §7.7: transactionId is "only valid if ChargingProfilePurpose is set to TxProfile".
  if (v.hasTransactionId && !v.isTxProfile) {
    return problem(`${v.at}.transactionId`, "A transactionId belongs to a TxProfile only");
  }
  if (v.chargingProfileKind === "Recurring" && !v.hasRecurrencyKind) {
    return problem(`${v.at}.recurrencyKind`, "A Recurring profile needs a recurrencyKind (Daily or Weekly)");
  }
  if (v.validTo !== undefined) {
    const validTo = Date.parse(v.validTo);
    if (validTo <= now.getTime()) {
      return problem(`${v.at}.validTo`, `validTo ${JSON.stringify(v.validTo)} is already past`);
    }
    if (v.validFrom !== undefined && validTo <= Date.parse(v.validFrom)) {
      return problem(
        `${v.at}.validTo`,
        `validTo ${JSON.stringify(v.validTo)} is not after validFrom ${JSON.stringify(v.validFrom)}`,
      );
    }
  }
  for (const { schedule, at } of v.schedules) {
    // OCPP 1.6 §7.8: startSchedule is the "starting point of an absolute schedule"; without it the schedule is
    // relative to the start of charging. 2.0.1 K01.FR.40 wants it for Recurring as well.
    const needsStart = v.chargingProfileKind === "Absolute" ||
      (v.chargingProfileKind === "Recurring" && v.recurringNeedsStart);
    if (needsStart && schedule.startSchedule === undefined) {
      return problem(`${at}.startSchedule`, `An ${v.chargingProfileKind} profile needs a startSchedule`);
    }
    const found = scheduleProblem(schedule, at);
    if (found) return found;
  }
  return null;
}

function scheduleProblem(schedule: Schedule, at: string): ProfileProblem | null {
  const problem = (field: string, message: string) => ({ field, message });
  const unit = schedule.chargingRateUnit;
  const max = MAX_LIMIT[unit];
  const periods = schedule.chargingSchedulePeriod;
  if (schedule.duration !== undefined && schedule.duration < 0) {
    return problem(`${at}.duration`, `duration must not be negative (got ${schedule.duration})`);
  }
  if (
    schedule.minChargingRate !== undefined &&
    !(schedule.minChargingRate >= 0 && schedule.minChargingRate <= max)
  ) {
    return problem(`${at}.minChargingRate`, `minChargingRate must be 0 to ${max} ${unit}`);
  }
  // OCPP 1.6 §7.8: chargingSchedulePeriod is 1..*.
  if (periods.length === 0) {
    return problem(`${at}.chargingSchedulePeriod`, "A schedule needs at least one period");
  }
  if (periods.length > MAX_SCHEDULE_PERIODS) {
    return problem(
      `${at}.chargingSchedulePeriod`,
      `A schedule has at most ${MAX_SCHEDULE_PERIODS} periods (got ${periods.length})`,
    );
  }
  for (const [i, period] of periods.entries()) {
    const field = `${at}.chargingSchedulePeriod.${i}`;
    // OCPP 1.6 §7.8: "The startSchedule of the first ChargingSchedulePeriod SHALL always be 0" (2.0.1 K01.FR.31).
    if (i === 0 && period.startPeriod !== 0) {
      return problem(`${field}.startPeriod`, `The first period starts at 0 (got ${period.startPeriod})`);
    }
    // A period's startPeriod is the end of the one before (§7.9): they increase (2.0.1 K01.FR.35).
    const before = periods[i - 1];
    if (before !== undefined && period.startPeriod <= before.startPeriod) {
      return problem(
        `${field}.startPeriod`,
        `Periods are in increasing startPeriod order: ${period.startPeriod} follows ${before.startPeriod}`,
      );
    }
    if (!(period.limit >= 0 && period.limit <= max)) {
      return problem(`${field}.limit`, `A limit is 0 to ${max} ${unit} (got ${period.limit})`);
    }
    if (period.numberPhases !== undefined && (period.numberPhases < 1 || period.numberPhases > 3)) {
      return problem(`${field}.numberPhases`, `numberPhases is 1 to 3 (got ${period.numberPhases})`);
    }
    // OCPP 2.0.1 K01 ChargingSchedulePeriodType: phaseToUse is 1..3, and only with numberPhases 1.
    if (period.phaseToUse !== undefined && (period.phaseToUse < 1 || period.phaseToUse > 3)) {
      return problem(`${field}.phaseToUse`, `phaseToUse is 1 to 3 (got ${period.phaseToUse})`);
    }
    if (period.phaseToUse !== undefined && period.numberPhases !== 1) {
      return problem(`${field}.phaseToUse`, "phaseToUse needs numberPhases 1");
    }
  }
  return null;
}

/**
 * What is wrong with an OCPP 1.6 TxProfile given the transactions running on the station (`active`), or null
 * (any other purpose: null). OCPP 1.6 §3.13.2: a TxProfile is for the transaction in progress on its connector;
 * with none there the station discards it, and its transactionId names that transaction. One that names
 * another (ended, unknown, of another connector) would sit in the station's and our records for ever, as no
 * transaction of its ends.
 *
 * @example
 * ```ts
 * import { txProfileTransactionProblem16 } from "./charging_profile_rules.ts";
 * const request = {
 *   connectorId: 2,
 *   csChargingProfiles: {
 *     chargingProfileId: 1, stackLevel: 1, chargingProfilePurpose: "TxProfile", chargingProfileKind: "Relative",
 *     chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] },
 *   },
 * } as const;
 * txProfileTransactionProblem16(request, [{ transactionId: 7, connectorId: 1 }])?.field; // "connectorId"
 * ```
 */
export function txProfileTransactionProblem16(
  request: RequestOf<"SetChargingProfile">,
  active: readonly { transactionId: number; connectorId: number }[],
): ProfileProblem | null {
  const p = request.csChargingProfiles;
  if (p.chargingProfilePurpose !== "TxProfile") return null;
  const { connectorId } = request;
  if (p.transactionId !== undefined) {
    const named = active.find((t) => t.transactionId === p.transactionId);
    if (named === undefined) {
      return {
        field: "csChargingProfiles.transactionId",
        message: `Transaction ${p.transactionId} is not running: a TxProfile is for a running transaction`,
      };
    }
    if (connectorId !== 0 && named.connectorId !== connectorId) {
      return {
        field: "connectorId",
        message: `Transaction ${p.transactionId} runs on connector ${named.connectorId}, not ${connectorId}`,
      };
    }
    return null;
  }
  // Connector 0 is the whole station: some transaction of it must run (none: nothing would ever use it).
  if (connectorId === 0 ? active.length === 0 : !active.some((t) => t.connectorId === connectorId)) {
    const where = connectorId === 0 ? "at this station" : `on connector ${connectorId}`;
    return {
      field: "connectorId",
      message: `No transaction is running ${where}: a TxProfile is for a running transaction`,
    };
  }
  return null;
}

/**
 * The first rule the charging profile of an OCPP 1.6 RemoteStartTransaction.req breaks, or null (none: null).
 * OCPP 1.6 §5.11: its purpose SHALL be TxProfile, and it names no transaction (there is none yet).
 */
export function remoteStartProfileProblem16(
  request: RequestOf<"RemoteStartTransaction">,
  now: Date,
): ProfileProblem | null {
  const profile = request.chargingProfile;
  if (profile === undefined) return null;
  const startProblem = txProfileToStartProblem(
    profile.chargingProfilePurpose,
    profile.transactionId,
    "chargingProfile",
  );
  if (startProblem) return startProblem;
  const problem = setChargingProfileProblem16(
    { connectorId: request.connectorId ?? 0, csChargingProfiles: profile },
    now,
  );
  return problem && { ...problem, field: problem.field.replace(/^csChargingProfiles/, "chargingProfile") };
}

/** As `remoteStartProfileProblem16`, for OCPP 2.0.1's RequestStartTransactionRequest (F01.FR.08, .FR.11). */
export function remoteStartProfileProblem201(
  request: RequestOf201<"RequestStartTransaction">,
  now: Date,
): ProfileProblem | null {
  const profile = request.chargingProfile;
  if (profile === undefined) return null;
  const startProblem = txProfileToStartProblem(
    profile.chargingProfilePurpose,
    profile.transactionId,
    "chargingProfile",
  );
  if (startProblem) return startProblem;
  return setChargingProfileProblem201({ evseId: request.evseId ?? 0, chargingProfile: profile }, now);
}

function txProfileToStartProblem(
  purpose: string,
  transactionId: unknown,
  at: string,
): ProfileProblem | null {
  if (purpose !== "TxProfile") {
    return {
      field: `${at}.chargingProfilePurpose`,
      message: `The profile of a remote start is a TxProfile (got ${purpose})`,
    };
  }
  if (transactionId !== undefined) {
    return {
      field: `${at}.transactionId`,
      message: "The profile of a remote start names no transaction yet",
    };
  }
  return null;
}

/**
 * What OCPP forbids in the charging profile a command of `dialect` carries (SetChargingProfile, a remote
 * start), or null: the API's commands and a fleet job's check the same.
 */
export function commandProfileProblem(
  action: string,
  payload: unknown,
  dialect: "ocpp1.6" | "ocpp2.0.1",
  now: Date,
): ProfileProblem | null {
  if (dialect === "ocpp1.6") {
    if (action === "SetChargingProfile") {
      return setChargingProfileProblem16(payload as RequestOf<"SetChargingProfile">, now);
    }
    if (action === "RemoteStartTransaction") {
      return remoteStartProfileProblem16(payload as RequestOf<"RemoteStartTransaction">, now);
    }
    return null;
  }
  if (action === "SetChargingProfile") {
    return setChargingProfileProblem201(payload as RequestOf201<"SetChargingProfile">, now);
  }
  if (action === "RequestStartTransaction") {
    return remoteStartProfileProblem201(payload as RequestOf201<"RequestStartTransaction">, now);
  }
  return null;
}

/**
 * The charging profiles a station accepted (OCPP 1.6 §3.13, §5.5, §5.16): the rules SetChargingProfile is
 * checked against, how a new profile replaces an old one, and ClearChargingProfile's selection. Pure: the
 * station keeps the list and asks these functions what to do with it.
 */
import type { ChargingProfile, ChargingRateUnit, RequestOf } from "./ocpp.ts";

/** A profile and the connector it was set on (0: the whole station). */
export interface InstalledProfile {
  connectorId: number;
  profile: ChargingProfile;
}

/** What the station supports, from its read-only configuration keys (OCPP 1.6 §9.4). */
export interface ProfileLimits {
  connectorCount: number;
  /** ChargeProfileMaxStackLevel. */
  maxStackLevel: number;
  /** ChargingScheduleMaxPeriods. */
  maxPeriods: number;
  /** MaxChargingProfilesInstalled. */
  maxInstalled: number;
  /** ChargingScheduleAllowedChargingRateUnit. */
  allowedUnits: readonly ChargingRateUnit[];
}

export type ProfileCheck = { status: "Accepted" } | { status: "Rejected"; reason: string };

/**
 * Whether a SetChargingProfile (or a RemoteStartTransaction's profile) may be installed. `transactionOn`
 * tells which transaction runs on a connector: a TxProfile needs one (OCPP 1.6 §5.16).
 *
 * @example
 * ```ts
 * checkChargingProfile([], { connectorId: 0, csChargingProfiles: txProfile }, limits, () => undefined);
 * // { status: "Rejected", reason: "A TxProfile needs a connector with a running transaction" }
 * ```
 */
export function checkChargingProfile(
  installed: readonly InstalledProfile[],
  request: RequestOf<"SetChargingProfile">,
  limits: ProfileLimits,
  transactionOn: (connectorId: number) => { transactionId?: number } | undefined,
): ProfileCheck {
  const { connectorId, csChargingProfiles: profile } = request;
  const schedule = profile.chargingSchedule;
  const periods = schedule.chargingSchedulePeriod;
  const reject = (reason: string): ProfileCheck => ({ status: "Rejected", reason });
  if (connectorId < 0 || connectorId > limits.connectorCount) {
    return reject(`Connector ${connectorId} does not exist`);
  }
  if (profile.stackLevel < 0 || profile.stackLevel > limits.maxStackLevel) {
    return reject(`Stack level ${profile.stackLevel} is outside 0-${limits.maxStackLevel}`);
  }
  if (!limits.allowedUnits.includes(schedule.chargingRateUnit)) {
    return reject(`Charging rate unit ${schedule.chargingRateUnit} is not supported`);
  }
  if (periods.length === 0 || periods.length > limits.maxPeriods) {
    return reject(`A schedule needs 1-${limits.maxPeriods} periods, got ${periods.length}`);
  }
  if (periods[0]?.startPeriod !== 0) return reject("The first period must start at 0");
  for (let i = 1; i < periods.length; i++) {
    if ((periods[i]?.startPeriod ?? 0) <= (periods[i - 1]?.startPeriod ?? 0)) {
      return reject("Periods must start in increasing order");
    }
  }
  if (periods.some((p) => p.limit < 0)) return reject("A limit cannot be negative");
  if (schedule.duration !== undefined && schedule.duration <= 0) return reject("A duration must be positive");
  if (profile.chargingProfileKind === "Recurring" && (!profile.recurrencyKind || !schedule.startSchedule)) {
    return reject("A Recurring profile needs recurrencyKind and startSchedule");
  }
  if (profile.validFrom && profile.validTo && Date.parse(profile.validTo) <= Date.parse(profile.validFrom)) {
    return reject("validTo must be after validFrom");
  }
  switch (profile.chargingProfilePurpose) {
    case "ChargePointMaxProfile":
      if (connectorId !== 0) return reject("A ChargePointMaxProfile can only be set on connector 0");
      break;
    case "TxProfile": {
      const transaction = connectorId > 0 ? transactionOn(connectorId) : undefined;
      if (!transaction) return reject("A TxProfile needs a connector with a running transaction");
      if (
        profile.transactionId !== undefined && transaction.transactionId !== undefined &&
        profile.transactionId !== transaction.transactionId
      ) {
        return reject(`Transaction ${profile.transactionId} is not running on connector ${connectorId}`);
      }
      break;
    }
    case "TxDefaultProfile":
      break;
  }
  const after = installChargingProfile(installed, connectorId, profile);
  if (after.length > limits.maxInstalled) {
    return reject(`At most ${limits.maxInstalled} profiles can be installed`);
  }
  return { status: "Accepted" };
}

/**
 * The list with `profile` installed: it replaces a profile with the same chargingProfileId, and one with the
 * same stackLevel and purpose on the same connector (OCPP 1.6 §5.16).
 */
export function installChargingProfile(
  installed: readonly InstalledProfile[],
  connectorId: number,
  profile: ChargingProfile,
): InstalledProfile[] {
  const kept = installed.filter((e) =>
    e.profile.chargingProfileId !== profile.chargingProfileId &&
    !(e.connectorId === connectorId && e.profile.stackLevel === profile.stackLevel &&
      e.profile.chargingProfilePurpose === profile.chargingProfilePurpose)
  );
  return [...kept, { connectorId, profile }];
}

/**
 * ClearChargingProfile (OCPP 1.6 §5.5): a profile by id, or every profile matching the given connectorId,
 * purpose and stackLevel (all of them when none is given).
 *
 * @example
 * ```ts
 * clearChargingProfiles(installed, { chargingProfilePurpose: "TxDefaultProfile" }).cleared; // how many went
 * ```
 */
export function clearChargingProfiles(
  installed: readonly InstalledProfile[],
  request: RequestOf<"ClearChargingProfile">,
): { installed: InstalledProfile[]; cleared: number } {
  const matches = (e: InstalledProfile) =>
    request.id !== undefined ? e.profile.chargingProfileId === request.id : (
      (request.connectorId === undefined || e.connectorId === request.connectorId) &&
      (request.chargingProfilePurpose === undefined ||
        e.profile.chargingProfilePurpose === request.chargingProfilePurpose) &&
      (request.stackLevel === undefined || e.profile.stackLevel === request.stackLevel)
    );
  const kept = installed.filter((e) => !matches(e));
  return { installed: kept, cleared: installed.length - kept.length };
}

/** A TxProfile lives as long as its transaction (OCPP 1.6 §3.13.2). */
export function withoutTxProfiles(
  installed: readonly InstalledProfile[],
  connectorId: number,
): InstalledProfile[] {
  return installed.filter((e) =>
    !(e.connectorId === connectorId && e.profile.chargingProfilePurpose === "TxProfile")
  );
}

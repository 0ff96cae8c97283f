/**
 * The bookkeeping of stored charging profiles: what a station's answers to SetChargingProfile and
 * ClearChargingProfile, the end of a transaction, a reboot and a GetCompositeSchedule tell us about the
 * profiles it holds. Pure: each function gets the station's stored profiles and returns the changes for one
 * atomic store call.
 *
 * @example
 * ```ts
 * import { afterSetChargingProfile } from "./charging_profiles.ts";
 * const changes = afterSetChargingProfile([], {
 *   connectorId: 0,
 *   csChargingProfiles: {
 *     chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: "TxDefaultProfile", chargingProfileKind: "Relative",
 *     chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
 *   },
 * }, "Accepted", { chargePointId: "CP-1", source: "api", requestedBy: "user:alice", at: "2025-01-01T00:00:00.000Z" });
 * changes.put.length; // 1
 * ```
 */
import type {
  ChargingProfileChanges,
  ChargingProfileSource,
  StoredChargingProfile,
} from "../model/charging_profile.ts";
import type { ChargingProfile } from "../protocol/ocpp16/common.ts";
import type { ClearChargingProfileRequest } from "../protocol/ocpp16/clear_charging_profile.ts";
import type { GetCompositeScheduleResponse } from "../protocol/ocpp16/get_composite_schedule.ts";
import type { SetChargingProfileRequest } from "../protocol/ocpp16/set_charging_profile.ts";

export interface ProfileMeta {
  chargePointId: string;
  source: ChargingProfileSource;
  requestedBy: string;
  /** When the answer arrived (ISO 8601). */
  at: string;
}

const NO_CHANGES: ChargingProfileChanges = { remove: [], put: [] };

/** The stored record of a profile sent with `request`, in `state`. */
export function storedProfile(
  request: SetChargingProfileRequest,
  state: StoredChargingProfile["state"],
  meta: ProfileMeta,
): StoredChargingProfile {
  const profile = request.csChargingProfiles;
  return {
    chargePointId: meta.chargePointId,
    connectorId: request.connectorId,
    chargingProfileId: profile.chargingProfileId,
    stackLevel: profile.stackLevel,
    chargingProfilePurpose: profile.chargingProfilePurpose,
    transactionId: profile.transactionId ?? null,
    profile,
    source: meta.source,
    state,
    requestedBy: meta.requestedBy,
    updatedAt: meta.at,
  };
}

/**
 * An Accepted profile replaces the one with the same chargingProfileId and the one with the same stackLevel
 * and purpose on the same connector (OCPP 1.6 §5.16; "on the Charge Point" read per connector, as stations
 * do); Rejected and NotSupported change nothing on the station.
 */
export function afterSetChargingProfile(
  stored: readonly StoredChargingProfile[],
  request: SetChargingProfileRequest,
  status: string,
  meta: ProfileMeta,
): ChargingProfileChanges {
  if (status !== "Accepted") return NO_CHANGES;
  const next = storedProfile(request, "installed", meta);
  const replaced = stored.filter((s) =>
    s.chargingProfileId !== next.chargingProfileId && s.connectorId === next.connectorId &&
    s.stackLevel === next.stackLevel && s.chargingProfilePurpose === next.chargingProfilePurpose
  );
  return { remove: replaced.map((s) => s.chargingProfileId), put: [next] };
}

/**
 * What puts the record back as `stored` after `changes` were written: a profile recorded before it was sent
 * (`afterSetChargingProfile` as if accepted) that the station did not take.
 */
export function undoProfileChanges(
  stored: readonly StoredChargingProfile[],
  changes: ChargingProfileChanges,
): ChargingProfileChanges {
  const touched = new Set([...changes.remove, ...changes.put.map((p) => p.chargingProfileId)]);
  const back = stored.filter((s) => touched.has(s.chargingProfileId));
  const restored = new Set(back.map((s) => s.chargingProfileId));
  return {
    remove: changes.put.map((p) => p.chargingProfileId).filter((id) => !restored.has(id)),
    put: back,
  };
}

/** Whether a ClearChargingProfile request selects a stored profile (OCPP 1.6 §5.5: an id wins over the rest). */
export function clearSelects(request: ClearChargingProfileRequest, s: StoredChargingProfile): boolean {
  if (request.id !== undefined) return s.chargingProfileId === request.id;
  return (request.connectorId === undefined || s.connectorId === request.connectorId) &&
    (request.chargingProfilePurpose === undefined ||
      s.chargingProfilePurpose === request.chargingProfilePurpose) &&
    (request.stackLevel === undefined || s.stackLevel === request.stackLevel);
}

/**
 * Accepted: the selected profiles are gone. Unknown: the station had none of them, so they are gone from our
 * record too (it lost them, or never had them).
 */
export function afterClearChargingProfile(
  stored: readonly StoredChargingProfile[],
  request: ClearChargingProfileRequest,
  status: string,
): ChargingProfileChanges {
  if (status !== "Accepted" && status !== "Unknown") return NO_CHANGES;
  return { remove: stored.filter((s) => clearSelects(request, s)).map((s) => s.chargingProfileId), put: [] };
}

/** A TxProfile lives as long as its transaction (OCPP 1.6 §3.13.2): it goes when the transaction ends. */
export function afterTransactionEnded(
  stored: readonly StoredChargingProfile[],
  transaction: { transactionId: number; connectorId: number },
): ChargingProfileChanges {
  const ended = stored.filter((s) =>
    s.chargingProfilePurpose === "TxProfile" &&
    (s.transactionId === transaction.transactionId ||
      (s.transactionId === null && s.connectorId === transaction.connectorId))
  );
  return { remove: ended.map((s) => s.chargingProfileId), put: [] };
}

/**
 * TxProfiles of transactions that are no longer active: a station that took one as its transaction ended (a
 * race with the stop) keeps nothing of it, so neither does the record.
 */
export function endedTxProfiles(
  stored: readonly StoredChargingProfile[],
  isActive: (transactionId: number) => boolean,
): ChargingProfileChanges {
  const ended = stored.filter((s) =>
    s.chargingProfilePurpose === "TxProfile" && s.transactionId !== null && !isActive(s.transactionId)
  );
  return { remove: ended.map((s) => s.chargingProfileId), put: [] };
}

/**
 * After a reboot (a BootNotification) we cannot know what the station kept: every stored profile becomes
 * pending, to be sent again, except TxProfiles of transactions that are no longer active, which are gone,
 * and those the station accepted since the boot (`acceptedSinceBoot`: chargingProfileIds its node saw it
 * accept after the BootNotification, an operator's that reached it before this ran), which it holds. Told by
 * the order of the station's own frames, not by time: a profile's updatedAt is the clock of whichever node
 * recorded it, and a node's clock ahead of the boot's node made one recorded just before the reboot look
 * installed after it (never sent again, the station ran without it).
 */
export function afterReboot(
  stored: readonly StoredChargingProfile[],
  isActive: (transactionId: number) => boolean,
  at: string,
  acceptedSinceBoot: ReadonlySet<number> = new Set(),
): ChargingProfileChanges {
  const remove: number[] = [];
  const put: StoredChargingProfile[] = [];
  for (const s of stored) {
    const ended = s.chargingProfilePurpose === "TxProfile" &&
      (s.transactionId === null || !isActive(s.transactionId));
    const held = s.state === "installed" && acceptedSinceBoot.has(s.chargingProfileId);
    if (ended) remove.push(s.chargingProfileId);
    else if (s.state !== "pending" && !held) put.push({ ...s, state: "pending", updatedAt: at });
  }
  return { remove, put };
}

/** The SetChargingProfile request that sends a stored profile again. */
export function resendRequest(s: StoredChargingProfile): SetChargingProfileRequest {
  return { connectorId: s.connectorId, csChargingProfiles: s.profile };
}

/**
 * The limit (amps) a profile sets at `now`, when it can be told without knowing when the transaction started:
 * an Absolute schedule, or a Relative one with a single period. Null when unknown: watts, Recurring, not
 * valid now.
 */
export function currentLimitA(profile: ChargingProfile, now: Date): number | null {
  const schedule = profile.chargingSchedule;
  if (schedule.chargingRateUnit !== "A") return null;
  const t = now.getTime();
  if (profile.validFrom !== undefined && Date.parse(profile.validFrom) > t) return null;
  if (profile.validTo !== undefined && Date.parse(profile.validTo) <= t) return null;
  const periods = schedule.chargingSchedulePeriod;
  if (profile.chargingProfileKind === "Relative") return periods.length === 1 ? periods[0]!.limit : null;
  if (profile.chargingProfileKind !== "Absolute" || schedule.startSchedule === undefined) return null;
  const elapsedS = (t - Date.parse(schedule.startSchedule)) / 1000;
  if (elapsedS < 0 || (schedule.duration !== undefined && elapsedS >= schedule.duration)) return null;
  let limit: number | null = null;
  for (const p of periods) if (p.startPeriod <= elapsedS) limit = p.limit;
  return limit;
}

/**
 * What the composite schedule of a connector should allow now given our installed profiles (OCPP 1.6
 * §3.13.2): the highest stack level of each purpose wins, a TxProfile over a TxDefaultProfile (the
 * connector's, else connector 0's), capped by the ChargePointMaxProfile. With `transactionId`, a TxProfile
 * naming another transaction does not count (one stored after its transaction ended sets nothing now). Null
 * when our profiles do not tell.
 */
export function expectedLimitA(
  stored: readonly StoredChargingProfile[],
  connectorId: number,
  now: Date,
  transactionId?: number,
): number | null {
  const forThisTransaction = (s: StoredChargingProfile) =>
    transactionId === undefined || s.chargingProfilePurpose !== "TxProfile" || s.transactionId === null ||
    s.transactionId === transactionId;
  const top = (purpose: StoredChargingProfile["chargingProfilePurpose"], connector: number) => {
    const candidates = stored
      .filter((s) =>
        s.state === "installed" && s.chargingProfilePurpose === purpose && s.connectorId === connector &&
        forThisTransaction(s)
      )
      .map((s) => ({ level: s.stackLevel, limit: currentLimitA(s.profile, now) }))
      .filter((c): c is { level: number; limit: number } => c.limit !== null)
      .sort((a, b) => b.level - a.level);
    return candidates[0]?.limit ?? null;
  };
  const tx = connectorId > 0 ? top("TxProfile", connectorId) : null;
  const txDefault = (connectorId > 0 ? top("TxDefaultProfile", connectorId) : null) ??
    top("TxDefaultProfile", 0);
  const max = top("ChargePointMaxProfile", 0);
  const limits = [tx ?? txDefault, max].filter((l): l is number => l !== null);
  return limits.length === 0 ? null : Math.min(...limits);
}

/**
 * Whether a GetCompositeSchedule answer (asked in amps) shows that the station lost profiles we stored: it
 * has no schedule at all, or its limit now is above what our profiles allow. A Rejected answer tells nothing.
 */
export function compositeShowsLoss(
  stored: readonly StoredChargingProfile[],
  connectorId: number,
  response: GetCompositeScheduleResponse,
  now: Date,
): boolean {
  if (response.status !== "Accepted") return false;
  const expected = expectedLimitA(stored, connectorId, now);
  if (expected === null) return false;
  const schedule = response.chargingSchedule;
  if (schedule === undefined) return true;
  if (schedule.chargingRateUnit !== "A") return false;
  const start = response.scheduleStart ?? schedule.startSchedule;
  const elapsedS = start === undefined ? 0 : Math.max(0, (now.getTime() - Date.parse(start)) / 1000);
  let limit: number | null = null;
  for (const p of schedule.chargingSchedulePeriod) if (p.startPeriod <= elapsedS) limit = p.limit;
  // One tenth of an ampere of tolerance: the precision of a limit.
  return limit !== null && limit > expected + 0.05;
}

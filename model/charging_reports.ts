/**
 * OCPP 2.0.1 smart charging as the station reports it: the charging profiles of its last ReportChargingProfiles
 * answer (K09, the answer to our GetChargingProfiles) and the external charging limits in force
 * (NotifyChargingLimit K12, ClearedChargingLimit K13). Kept on the station's snapshot, so an operator sees
 * what the station says beside what we asked (the command log).
 */

/** One ReportChargingProfiles message: the profiles of one EVSE and one source. */
export interface ReportedChargingProfiles {
  /** 0: the station as a whole. */
  evseId: number;
  /** EMS, Other, SO or CSO. */
  chargingLimitSource: string;
  /** ChargingProfileType objects as the station sent them. */
  chargingProfile: Record<string, unknown>[];
}

/** An external charging limit on an EVSE (0: the whole station), from NotifyChargingLimit. */
export interface ExternalChargingLimit {
  evseId: number;
  chargingLimitSource: string;
  isGridCritical: boolean;
  /** ChargingScheduleType objects, when the station sent them. */
  chargingSchedule?: Record<string, unknown>[];
  /** When we received it. */
  at: string;
}

export interface ChargingReports {
  /** The requestId of the GetChargingProfiles the reports answer; its messages replace older ones. */
  requestId?: number;
  /** When the last report of `requestId` arrived. */
  reportedAt?: string;
  /** False while the station says more messages follow (`tbc`). */
  complete?: boolean;
  reports: ReportedChargingProfiles[];
  limits: ExternalChargingLimit[];
}

/** The most profiles kept per station (a KV value holds 64 KiB). */
export const MAX_REPORTED_PROFILES = 64;

/**
 * The most JSON characters a station's charging reports may take. A message may carry schedules of 1,024
 * periods (~40 KB); kept whole, 64 profiles and a limit per EVSE and source make megabytes, which KV cannot
 * store in one value and PostgreSQL rewrites in full with each of the station's messages. Past it, what does
 * not fit is left out: a profile, or a limit's schedule (the limit itself kept).
 */
export const MAX_CHARGING_REPORTS_CHARS = 48 * 1024;

const fits = (reports: ChargingReports) => JSON.stringify(reports).length <= MAX_CHARGING_REPORTS_CHARS;

const EMPTY: ChargingReports = { reports: [], limits: [] };

/**
 * Adds one ReportChargingProfiles message: a new requestId starts afresh, the same one adds to it. Past
 * MAX_REPORTED_PROFILES a message adds nothing, not even an empty entry: a station sending parts of one
 * requestId for ever (`tbc`) would otherwise grow its record by one entry per message. Its profiles that do
 * not fit MAX_CHARGING_REPORTS_CHARS are left out.
 *
 * @example
 * ```ts
 * const r = withReportedProfiles(undefined, 7, { evseId: 1, chargingLimitSource: "CSO", chargingProfile: [] }, false, "2026-01-01T00:00:00Z");
 * r.complete; // true
 * ```
 */
export function withReportedProfiles(
  current: ChargingReports | undefined,
  requestId: number,
  report: ReportedChargingProfiles,
  tbc: boolean,
  at: string,
): ChargingReports {
  const base = current ?? EMPTY;
  const previous = base.requestId === requestId ? base.reports : [];
  const room = MAX_REPORTED_PROFILES - previous.reduce((n, r) => n + r.chargingProfile.length, 0);
  const profiles = report.chargingProfile.slice(0, Math.max(0, room));
  const withProfiles = (n: number): ChargingReports => ({
    ...base,
    requestId,
    reportedAt: at,
    complete: !tbc,
    reports: n > 0 ? [...previous, { ...report, chargingProfile: profiles.slice(0, n) }] : previous,
  });
  let n = profiles.length;
  while (n > 0 && !fits(withProfiles(n))) n--;
  return withProfiles(n);
}

/** Records an external limit, replacing the one of the same EVSE and source. */
export function withChargingLimit(
  current: ChargingReports | undefined,
  limit: ExternalChargingLimit,
): ChargingReports {
  const base = current ?? EMPTY;
  const others = base.limits.filter((l) =>
    !(l.evseId === limit.evseId && l.chargingLimitSource === limit.chargingLimitSource)
  );
  const withLimit = (l: ExternalChargingLimit): ChargingReports => ({
    ...base,
    limits: [...others, l].sort((a, b) => a.evseId - b.evseId),
  });
  const whole = withLimit(limit);
  if (fits(whole) || limit.chargingSchedule === undefined) return whole;
  const { chargingSchedule: _, ...withoutSchedule } = limit;
  return withLimit(withoutSchedule);
}

/** Removes the limits of a source on an EVSE; without an EVSE, on all of them (OCPP 2.0.1 K13). */
export function withoutChargingLimit(
  current: ChargingReports | undefined,
  chargingLimitSource: string,
  evseId: number | undefined,
): ChargingReports {
  const base = current ?? EMPTY;
  return {
    ...base,
    limits: base.limits.filter((l) =>
      !(l.chargingLimitSource === chargingLimitSource && (evseId === undefined || l.evseId === evseId))
    ),
  };
}

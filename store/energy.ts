/**
 * What load management keeps: sites (stations sharing a grid limit), the samples a site's controller records
 * for the dashboard, and each station's stored charging profiles and whether it takes them. A small
 * interface of its own with two backends (`kv/energy.ts`, `postgres/energy.ts`) and one contract suite
 * (`contract/energy.ts`).
 *
 * Everything a site's controller needs to decide is here or in the Store (active transactions, meter
 * values, lastSeen), never only in a process's memory, so any process of a cluster can take a site over.
 */
import type {
  ChargingProfileChanges,
  ChargingProfileSupport,
  StoredChargingProfile,
  UnansweredProfiles,
} from "../model/charging_profile.ts";
import type { SiteRecord, SiteSample } from "../model/site.ts";

/** Thrown by `putSite` when a station of the site already belongs to another site. */
export class SiteConflictError extends Error {
  override name = "SiteConflictError";
  constructor(readonly chargePointId: string, readonly otherSiteId: string) {
    super(`Charge point "${chargePointId}" already belongs to site "${otherSiteId}"`);
  }
}

export interface SiteStore {
  getSite(siteId: string): Promise<SiteRecord | null>;
  /**
   * Inserts or replaces a site and its stations, atomically; throws SiteConflictError (and changes nothing)
   * when one of its stations belongs to another site.
   */
  putSite(site: SiteRecord): Promise<void>;
  /** Deletes the site and its samples; false when there was none. */
  deleteSite(siteId: string): Promise<boolean>;
  /** Sorted by siteId (code point order), at most `limit`, after `after` when given. */
  listSites(page: { limit: number; after?: string }): Promise<SiteRecord[]>;
  /** The site a station belongs to, or null. */
  siteOfChargePoint(chargePointId: string): Promise<string | null>;
  /**
   * Records a sample (a later sample with the same `at` replaces it) and forgets the site's samples older
   * than the retention.
   */
  appendSiteSample(sample: SiteSample): Promise<void>;
  /** Newest first; only samples strictly before `before` when given. */
  listSiteSamples(siteId: string, page: { limit: number; before?: string }): Promise<SiteSample[]>;
}

export interface ChargingProfileStore {
  /** Sorted by connectorId, then chargingProfileId. */
  listChargingProfiles(chargePointId: string): Promise<StoredChargingProfile[]>;
  /**
   * One station's changes in one atomic write: deletes `remove` (by chargingProfileId), then inserts or
   * replaces `put` (by chargingProfileId). Every record of `put` must be about `chargePointId`.
   */
  updateChargingProfiles(chargePointId: string, changes: ChargingProfileChanges): Promise<void>;
  /** null: never asked (the station is assumed to take profiles). */
  getChargingProfileSupport(chargePointId: string): Promise<ChargingProfileSupport | null>;
  putChargingProfileSupport(support: ChargingProfileSupport): Promise<void>;
  /**
   * Sets the facts `change` names (the others keep their stored value; a station with none starts from
   * `noSupportFacts`) in one write: two changes of different facts made at once both stay.
   */
  changeChargingProfileSupport(
    chargePointId: string,
    change: ChargingProfileSupportChange,
    updatedAt: string,
  ): Promise<void>;
  /**
   * The station left a division of its site unanswered at `at`: `unanswered.runs` one more (1 after none) in
   * one atomic step, `unanswered.until` `benchedUntil` from `benchFrom` runs on (else null). A reconnect's
   * clearing written meanwhile, on any node, is counted from, never overwritten by a count read before it.
   * Answers the new count.
   */
  countUnansweredRun(
    chargePointId: string,
    run: { at: string; benchFrom: number; benchedUntil: string },
  ): Promise<UnansweredProfiles>;
}

/** Some of the facts of a station's `ChargingProfileSupport`. */
export type ChargingProfileSupportChange = Partial<
  Omit<ChargingProfileSupport, "chargePointId" | "updatedAt">
>;

export interface EnergyStore extends SiteStore, ChargingProfileStore {
  close(): Promise<void>;
}

/** How long site samples are kept (the site page charts the last day). */
export const DEFAULT_SAMPLE_RETENTION_MS = 24 * 3600 * 1000;

/** Refuses a change set that names another station. */
export function checkProfileChanges(chargePointId: string, changes: ChargingProfileChanges): void {
  for (const p of changes.put) {
    if (p.chargePointId !== chargePointId) {
      throw new Error(`Cannot store a profile of "${p.chargePointId}" among those of "${chargePointId}"`);
    }
  }
}

/** Compares stored profiles the way `listChargingProfiles` sorts them. */
export function compareProfiles(a: StoredChargingProfile, b: StoredChargingProfile): number {
  return a.connectorId - b.connectorId || a.chargingProfileId - b.chargingProfileId;
}

/** The count after one more unanswered run of a station whose count was `before`. */
export function oneMoreUnansweredRun(
  before: UnansweredProfiles | null,
  run: { benchFrom: number; benchedUntil: string },
): UnansweredProfiles {
  const runs = (before?.runs ?? 0) + 1;
  return { runs, until: runs >= run.benchFrom ? run.benchedUntil : null };
}

/**
 * A site: stations that share one grid connection, whose limit the load management divides among their
 * charging sessions (energy/). Currents are amps per phase.
 */

/**
 * How a session takes part in its site's allocation:
 * - allocated: steerable, gets its limit (at least the minimum);
 * - waiting: steerable, but the site cannot give it the minimum: 0 A;
 * - refuses: its station refuses charging profiles, counted at its maximum;
 * - offline: counted at its last limit until its lease expires;
 * - released: offline past its lease: no longer counted.
 */
export type ShareKind = "allocated" | "waiting" | "refuses" | "offline" | "released";

export interface SiteRecord {
  /** 1 to 64 of `A-Z a-z 0-9 . _ -`. */
  siteId: string;
  name: string;
  /** The grid connection's limit, per phase. */
  maxCurrentA: number;
  /** Sorted and unique; a station belongs to at most one site. */
  chargePointIds: string[];
  /** What one connector can deliver at most; counted for stations that refuse profiles. */
  stationMaxCurrentA: number;
  /** Who changed it last (`user:alice`, `token:ems`). */
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** One session's part of a site sample. */
export interface SiteChargerSample {
  chargePointId: string;
  connectorId: number;
  transactionId: number;
  kind: ShareKind;
  /** The allocation's limit for it. */
  limitA: number;
  /** What the station enforces as far as we know (its accepted limit), null when unknown. */
  appliedA: number | null;
  /** Its last measured current (largest phase), null without a fresh measurement. */
  measuredA: number | null;
}

/** What a site's controller saw and decided at one moment: the site page and its chart read these. */
export interface SiteSample {
  siteId: string;
  at: string;
  limitA: number;
  /** Counted for sessions the site cannot steer. */
  fixedA: number;
  /** The sum of the allocation's limits. */
  allocatedA: number;
  /** The sum of the fresh measurements, null when there is none. */
  measuredA: number | null;
  chargers: SiteChargerSample[];
}

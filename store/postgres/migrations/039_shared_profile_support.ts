/**
 * 039: what load management learns of a station's answers is kept in `charging_profile_support`, not in one
 * process's memory, since every node of a cluster divides a station's site: whether it rejected the
 * station-wide TxDefaultProfile, and how many divisions in a row it left a profile unanswered (and, from the
 * third, until when it is counted at its maximum). Added columns with constant defaults: no rewrite, no scan.
 */
export const steps = [
  `alter table charging_profile_support
    add column if not exists station_default_rejected boolean not null default false,
    add column if not exists unanswered_runs integer not null default 0,
    add column if not exists unanswered_until timestamptz`,
] as const;

/**
 * 022: retention deletes the command log by age (`commandLogDays`), through an index on the time it was
 * requested (the one index the table had leads with the station). Built concurrently: commands go on being
 * logged meanwhile. Forward-only.
 */
export const steps = [
  `create index concurrently if not exists command_log_by_requested on command_log (requested_at)`,
];

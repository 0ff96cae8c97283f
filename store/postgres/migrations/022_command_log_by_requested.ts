/**
 * 022: retention deletes the command log by age (`commandLogDays`), through an index on the time it was
 * requested (the one index the table had leads with the station). Forward-only.
 */
export const up = `
create index command_log_by_requested on command_log (requested_at);
`;

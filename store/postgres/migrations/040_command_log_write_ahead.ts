/**
 * 040: a command accepted for sending is logged before its CALL may leave (`sending`, no finish time yet) by
 * the node that sends it (`node_id`), and settled in place by id; a row its node left `sending` when it died is
 * settled `unknown` by a surviving node, found through a partial index of the rows still sending (a handful).
 * The outcome check is added NOT VALID and validated apart: no table lock held over the scan.
 */
export const steps = [
  `alter table command_log drop constraint if exists command_log_outcome_check`,
  `alter table command_log add constraint command_log_outcome_check check (outcome in
    ('accepted', 'callerror', 'timeout', 'not_connected', 'invalid', 'refused', 'sending', 'unknown')) not valid`,
  `alter table command_log validate constraint command_log_outcome_check`,
  `alter table command_log alter column finished_at drop not null, add column if not exists node_id text`,
  `create index concurrently if not exists command_log_sending on command_log (requested_at) where outcome = 'sending'`,
] as const;

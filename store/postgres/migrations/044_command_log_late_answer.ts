/**
 * 044: `command_log.late_answer`, what the station answered after its command timed out (model/command_log.ts
 * `LateAnswer`: outcome, response, at), beside the `timeout` that stays. Nullable, no default, no index (read
 * with the row): no rewrite, no scan. A node of an older version writes no late answer and leaves one it meets
 * as it is (its upsert sets the other columns only).
 */
export const steps = [
  // Its own transaction with a short lock_timeout, retried: the actors of a running cluster write the table.
  `alter table command_log add column if not exists late_answer jsonb`,
] as const;

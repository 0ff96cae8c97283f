/**
 * 041: `fleet_job_task.sent_at`, when the node holding a job task's station marked its CALL as leaving
 * (written before the CALL goes). A claim that runs out on a task never marked is given back (pending again)
 * rather than ended `timeout`: its CALL surely never reached the station. Nullable, no default, no index (read
 * with the row): no rewrite, no scan. A node of an older version never marks what it sends: one that dies with
 * tasks sent would have them sent again, so a cluster's nodes are upgraded by clean stops (which finish or give
 * back their tasks), not by killing them.
 */
export const steps = [
  // Its own transaction with a short lock_timeout, retried: the job runners of a running cluster write the table.
  `alter table fleet_job_task add column if not exists sent_at timestamptz`,
] as const;

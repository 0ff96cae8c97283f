/**
 * 059: `status_history.call_id`, the message id of the CALL that carried a 1.6 StatusNotification without a
 * timestamp (`model/status_history.ts`). Such a report has our time in place of the station's, different for
 * each copy, so migration 054's index never met its copy: a station sending the CALL again after a lost
 * answer stored it twice. The insert now leaves out a report whose CALL id and words a row of the station's
 * received within the window holds; this index finds those rows. Rows from before have none (null: never
 * compared). Added without a default (no table rewrite), the index built concurrently; both safe to run again.
 */
export const steps = [
  `alter table status_history add column if not exists call_id text`,
  `create index concurrently if not exists status_history_call
     on status_history (charge_point_id, call_id) where call_id is not null`,
] as const;

/**
 * 054: a status report is stored once (`model/status_history.ts`): a StatusNotification a station sends again
 * after its answer was late (a commit that outlasted its bound commits later, and so does the copy) or lost
 * was a history row per copy. A unique index over what the station said (station, EVSE, connector, its
 * timestamp, status, error code, texts; absent ones as -1 and '', so that they compare) makes the INSERT
 * (`on conflict do nothing`) leave a copy out, on every node. The copies stored before are deleted first,
 * the oldest row of each report kept (its `received_at` is when the report first came); the delete runs in a
 * transaction of its own, the index is built concurrently (statuses go on being stored), and a copy stored
 * meanwhile fails the build, which the next start runs again from the delete. Each step is safe to run again.
 * Forward-only.
 */
export const steps = [
  `delete from status_history as copy
     using status_history as first
     where copy.charge_point_id = first.charge_point_id
       and copy.connector_id = first.connector_id
       and copy.timestamp = first.timestamp
       and copy.status = first.status
       and coalesce(copy.evse_id, -1) = coalesce(first.evse_id, -1)
       and coalesce(copy.error_code, '') = coalesce(first.error_code, '')
       and coalesce(copy.info, '') = coalesce(first.info, '')
       and coalesce(copy.vendor_id, '') = coalesce(first.vendor_id, '')
       and coalesce(copy.vendor_error_code, '') = coalesce(first.vendor_error_code, '')
       and copy.seq > first.seq`,
  `create unique index concurrently if not exists status_history_report
     on status_history (
       charge_point_id, connector_id, timestamp, status, coalesce(evse_id, -1), coalesce(error_code, ''),
       coalesce(info, ''), coalesce(vendor_id, ''), coalesce(vendor_error_code, '')
     )`,
] as const;

/**
 * 063: `charge_points.status_received_at`, when we last received a StatusNotification from the station (our
 * clock, `ChargePointRecord.statusReceivedAt`), as the KV record keeps it: the dashboard tells a station
 * starting up after its boot from one connected and not reporting (`overview/awaiting_status.ts`). Null: none
 * since this column exists. Added without a default (no table rewrite); safe to run again. Forward-only.
 */
export const steps = [
  `alter table charge_points add column if not exists status_received_at timestamptz`,
] as const;

/**
 * 052: a station's protocol errors (`model/protocol_errors.ts`: a count and the last one) on its row, as the
 * KV record keeps them, so every node and a restart show them. Null: none recorded. Forward-only.
 */
export const steps = [
  `alter table charge_points add column if not exists protocol_errors jsonb`,
] as const;

/**
 * 068: a station's clear epoch of its protocol errors (`model/protocol_errors_base.ts`), moved by every clear:
 * an actor's write of protocol errors counted from an older epoch keeps only the ones counted after its base,
 * so a clear through another node is never undone. Forward-only.
 */
export const steps = [
  `alter table charge_points add column if not exists protocol_errors_epoch integer not null default 0`,
] as const;

/**
 * 023: charge_points.decommissioned_at, when an operator took the station out of service (null: in service;
 * `model/charge_point.ts`). Adding a nullable column rewrites nothing. Forward-only.
 */
export const up = `
alter table charge_points add column decommissioned_at timestamptz;
`;

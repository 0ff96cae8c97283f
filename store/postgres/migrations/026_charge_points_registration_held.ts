/**
 * 026: charge_points.registration_held, an operator's Pending that boots keep (`model/charge_point.ts`; null or
 * false: not held). Adding a nullable column rewrites nothing. Forward-only.
 */
export const up = `
alter table charge_points add column registration_held boolean;
`;

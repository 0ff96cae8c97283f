/**
 * 057: meter groups no longer reference `charge_points` by a foreign key. The group commit writes a station's
 * bare row before its meter groups in the same transaction (`PgChargePoints.ensureRows`) and stations are never
 * deleted, so the key held nothing the writer does not; it cost a trigger per group (a `for key share` lock of
 * the station's row), about a seventh of PostgreSQL's CPU on the plain benchmark mix (bench/README.md, 44th
 * round). The key to `transactions` stays (a group of an unknown transaction is refused). Forward-only.
 */
export const steps = [
  `alter table meter_groups drop constraint if exists meter_groups_charge_point_id_fkey`,
] as const;

/**
 * 014: OCPP 2.0.1 smart charging reports. Forward-only.
 *
 * - charge_points.charging_reports: the profiles of the station's last ReportChargingProfiles and the external
 *   charging limits in force (NotifyChargingLimit / ClearedChargingLimit), `model/charging_reports.ts`.
 */
export const up = `
alter table charge_points add column charging_reports jsonb;
`;

/**
 * 014: OCPP 2.0.1 smart charging reports. Forward-only.
 *
 * - charge_points.charging_reports: the profiles of the station's last ReportChargingProfiles and the external
 *   charging limits in force (NotifyChargingLimit / ClearedChargingLimit), `model/charging_reports.ts`;
 * - id_tags.id_token_type: the OCPP 2.0.1 idToken type of an id tag, null for any (`model/id_tag.ts`).
 */
export const up = `
alter table charge_points add column charging_reports jsonb;
alter table id_tags add column id_token_type text;
`;

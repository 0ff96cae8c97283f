/**
 * 005: what command answers teach about a station beyond its configuration: the local authorization list
 * version (GetLocalListVersion, SendLocalList) and the reservations it accepted (ReserveNow).
 */
export const up = `
alter table charge_points add column local_list_version integer;
alter table charge_points add column reservations jsonb;
`;

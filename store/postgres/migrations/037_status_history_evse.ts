/**
 * 037: OCPP 2.0.1 StatusNotifications in the status history: the EVSE whose connector reported (null for
 * 1.6), and no error code (2.0.1 has none). Both metadata-only changes. Forward-only.
 */
export const up = `
alter table status_history add column evse_id integer check (evse_id >= 0);
alter table status_history alter column error_code drop not null;
`;

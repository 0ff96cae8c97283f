/**
 * 002: `ChargePointRecord.scheduledAvailability`, the ChangeAvailability requests a station answered
 * Scheduled (they take effect when the running transaction ends). NULL when the record has none.
 */
export const up = `
alter table charge_points add column scheduled_availability jsonb;
`;

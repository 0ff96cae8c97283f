/**
 * 024: transactions.meter_start_unknown, an OCPP 2.0.1 transaction whose start came without an energy reading
 * (`TransactionRecord.meterStartUnknown`): its meter_start (0) is not a reading and its energy is unknown
 * until a later reading stands in. A column with a constant default rewrites nothing. Forward-only.
 */
export const up = `
alter table transactions add column meter_start_unknown boolean not null default false;
`;

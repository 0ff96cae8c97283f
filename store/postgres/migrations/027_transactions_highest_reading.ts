/**
 * 027: transactions.highest_reading, the highest energy register reading an OCPP 2.0.1 transaction's events
 * brought (`TransactionRecord.highestReading`): an Ended event without a reading stops there rather than at
 * its start. Nullable, no default: adding it rewrites nothing. Forward-only.
 */
export const up = `
alter table transactions add column highest_reading bigint;
`;

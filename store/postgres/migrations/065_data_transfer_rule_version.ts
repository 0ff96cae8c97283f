/**
 * 065: a data-transfer rule's version, counted from 1 at each write, so an operator's change can say which
 * rule it was decided on (409 when another operator changed it meanwhile). Forward-only.
 */
export const steps = [
  // A constant default: a catalog change only, no table rewrite; rules written before count as version 1.
  `alter table data_transfer_rule add column if not exists version bigint not null default 1`,
] as const;

/**
 * 006: the command log also keeps commands the server refused to send (the connector state made them
 * pointless and the operator did not force them): every command an operator issued is in the log.
 */
export const up = `
alter table command_log drop constraint command_log_outcome_check;
alter table command_log add constraint command_log_outcome_check
  check (outcome in ('accepted', 'callerror', 'timeout', 'not_connected', 'invalid', 'refused'));
`;

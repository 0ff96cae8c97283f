/**
 * 032: the certificates still pending delivery, oldest first, for the sweep that records the ones a restart
 * left pending as undelivered (`settlePendingDeliveries`). Partial: a certificate leaves it with its first
 * outcome, so it holds only the few whose CertificateSigned is under way. Built in the migration's transaction:
 * `issued_certificate` has a row per certificate signed, small beside the tables 020-022 and 031 index
 * without holding writes. Forward-only.
 */
export const up = `
create index issued_certificate_pending on issued_certificate (issued_at, serial_number)
  where delivery = 'pending';
`;

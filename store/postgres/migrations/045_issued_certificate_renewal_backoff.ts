/**
 * 045: issued_certificate.renewal_unanswered and renewal_retry_at, the renewal scan's back-off after triggers
 * a connected station did not answer in time (`IssuedCertificate.renewalUnanswered`, `renewalRetryAt`,
 * shared by the nodes of a cluster), and redelivered_at, when an undelivered certificate was sent again at its
 * station's boot (at most once: pki/redelivery.ts). A constant default and nullable columns: adding them
 * rewrites nothing. Forward-only.
 */
export const steps = [
  // Its own transaction with a short lock_timeout, retried: enrolments and the renewal scan write the table.
  `alter table issued_certificate
     add column if not exists renewal_unanswered integer not null default 0,
     add column if not exists renewal_retry_at timestamptz,
     add column if not exists redelivered_at timestamptz`,
] as const;

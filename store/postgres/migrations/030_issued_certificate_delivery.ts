/**
 * 030: what became of each issued certificate's CertificateSigned. A certificate is its station's only once
 * the station accepted it: `current` marks that one (at most one per station, the newest accepted), and only a
 * current certificate is renewed. Forward-only.
 *
 * Rows issued before this migration have no known outcome: they get `unknown`, and each station's newest stays
 * current, as it was counted until now, so the renewal of stations already in the field goes on. The default
 * stays: a node still on the code before this (a rolling upgrade) inserts without `delivery`, and its
 * certificate is then `unknown`, not current, rather than its insert failing after it answered Accepted.
 */
export const up = `
alter table issued_certificate
  add column delivery text not null default 'unknown'
    check (delivery in ('pending', 'accepted', 'rejected', 'undelivered', 'unknown')),
  add column delivered_at timestamptz,
  add column delivery_detail text,
  add column current boolean not null default false;
update issued_certificate set current = true where serial_number in (
  select distinct on (charge_point_id) serial_number from issued_certificate
  order by charge_point_id, issued_at desc, serial_number desc
);
create unique index issued_certificate_current on issued_certificate (charge_point_id) where current;
create index issued_certificate_current_expiry on issued_certificate (not_after, serial_number) where current;
`;

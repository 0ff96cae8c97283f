/**
 * 009: the OCPP 1.6 Security extension's PKI and files. Forward-only.
 *
 * - `pki_ca`: at most one row, the CA generated at first start (`singleton` keeps it to one).
 * - `issued_certificate`: every certificate the CA signed; the renewal scan reads each station's newest by
 *   (charge_point_id, issued_at desc).
 * - `upload_slot` / `uploaded_file`: one-time upload URLs (token hashes only) and the files uploaded to them.
 * - `firmware_image` / `download_link`: operator firmware images and their expiring download URLs; deleting an
 *   image deletes its links.
 * - `file_blob` / `file_blob_chunk`: the bytes, in chunks, when no UPLOAD_DIR is set; a blob row is written
 *   last, so a blob without one is incomplete.
 */
export const up = `
create table pki_ca (
  singleton        boolean primary key default true check (singleton),
  certificate_pem  text not null,
  private_key_pem  text not null,
  created_at       timestamptz not null
);
create table issued_certificate (
  serial_number        text collate "C" primary key,
  charge_point_id      text collate "C" not null,
  subject              text not null,
  key                  text not null,
  not_before           timestamptz not null,
  not_after            timestamptz not null,
  fingerprint_sha256   text not null,
  certificate_pem      text not null,
  issued_at            timestamptz not null,
  renewal_requested_at timestamptz
);
create index issued_certificate_station on issued_certificate (charge_point_id, issued_at desc);
create index issued_certificate_time on issued_certificate (issued_at desc);

create table upload_slot (
  token_hash      text collate "C" primary key,
  upload_id       text not null unique,
  charge_point_id text collate "C" not null,
  kind            text not null check (kind in ('diagnostics', 'log')),
  request_id      integer,
  log_type        text,
  max_bytes       bigint not null,
  created_at      timestamptz not null,
  expires_at      timestamptz not null,
  created_by      text not null,
  state           text not null check (state in ('open', 'uploading', 'used'))
);
create table uploaded_file (
  id              text collate "C" primary key,
  charge_point_id text collate "C" not null,
  kind            text not null,
  request_id      integer,
  log_type        text,
  file_name       text not null,
  content_type    text not null,
  size            bigint not null,
  sha256          text not null,
  uploaded_at     timestamptz not null,
  remote_address  text
);
create index uploaded_file_station on uploaded_file (charge_point_id, uploaded_at desc);
create index uploaded_file_time on uploaded_file (uploaded_at desc);

create table firmware_image (
  id                      text collate "C" primary key,
  name                    text not null,
  file_name               text not null,
  content_type            text not null,
  size                    bigint not null,
  sha256                  text not null,
  signature               text,
  signing_certificate_pem text,
  uploaded_by             text not null,
  uploaded_at             timestamptz not null
);
create index firmware_image_time on firmware_image (uploaded_at desc);
create table download_link (
  token_hash      text collate "C" primary key,
  firmware_id     text collate "C" not null references firmware_image (id) on delete cascade,
  charge_point_id text collate "C" not null,
  created_at      timestamptz not null,
  expires_at      timestamptz not null,
  max_downloads   integer not null,
  downloads       integer not null,
  created_by      text not null
);

create table file_blob (
  id     text collate "C" primary key,
  size   bigint not null,
  chunks integer not null
);
create table file_blob_chunk (
  blob_id text collate "C" not null,
  seq     integer not null,
  data    bytea not null,
  primary key (blob_id, seq)
);
`;

/**
 * 010: every file transfer status a station reported (Diagnostics/Firmware/Log/SignedFirmware status
 * notifications), kept as history. Forward-only. `seq` orders entries received in the same millisecond.
 */
export const up = `
create table file_status_history (
  seq             bigint generated always as identity primary key,
  charge_point_id text collate "C" not null,
  kind            text not null check (kind in ('diagnostics', 'firmware', 'log', 'signedFirmware')),
  status          text not null,
  request_id      integer,
  received_at     timestamptz not null
);
create index file_status_history_station on file_status_history (charge_point_id, received_at desc, seq desc);
`;

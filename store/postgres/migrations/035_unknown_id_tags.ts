/**
 * 035: id tags stations presented that are not stored (answered Invalid), one row per tag as it is matched
 * (`tag_key`: lower-cased A-Z, `idTagKey`), for operators to add new cards. Bounded by the writers (the
 * `keep` most recently seen). Forward-only.
 */
export const up = `
create table unknown_id_tag (
  tag_key         text collate "C" primary key,
  id_tag          text not null,
  id_token_type   text,
  count           bigint not null check (count > 0),
  first_seen      timestamptz not null,
  last_seen       timestamptz not null,
  charge_point_id text collate "C" not null
);
create index unknown_id_tag_by_last_seen on unknown_id_tag (last_seen desc, tag_key);
`;

/**
 * 019: local list members are matched case-insensitively, as id tags are since 018: one member per
 * `lower(id_tag)` (the column has the "C" collation: A-Z folded only, as on KV). Two members that differ only
 * in case were one tag put on the list twice: the first by spelling (upper case first) is kept. The primary
 * key on the spelling stays (a second small index on a table written only by operators). Forward-only.
 */
export const up = `
delete from local_list_member a using local_list_member b
  where lower(a.id_tag) = lower(b.id_tag) and a.id_tag > b.id_tag;
create unique index local_list_member_by_lower_id_tag on local_list_member (lower(id_tag));
`;

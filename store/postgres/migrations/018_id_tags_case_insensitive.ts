/**
 * 018: id tags are matched case-insensitively (OCPP's IdToken is a case-insensitive string): one tag per
 * `lower(id_tag)`, which the lookups by tag compare, with the "C" collation (A-Z folded only, as on KV).
 * Two rows that differ only in case were one tag written twice: the first by spelling (upper case first) is
 * kept. Forward-only.
 */
export const up = `
delete from id_tags a using id_tags b where lower(a.id_tag) = lower(b.id_tag) and a.id_tag > b.id_tag;
create unique index id_tags_by_lower_id_tag on id_tags (lower(id_tag));
create index open_transactions_by_lower_id_tag on open_transactions
  (lower(id_tag collate "C"), transaction_id desc);
drop index open_transactions_by_id_tag;
`;

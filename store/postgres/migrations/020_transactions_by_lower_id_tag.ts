/**
 * 020: the transactions list's `idTag` filter matches in any case, as every other id tag lookup does since 018:
 * the index by tag is on `lower(id_tag collate "C")` (A-Z folded only, as on KV). Forward-only.
 */
export const up = `
create index transactions_by_lower_id_tag on transactions (lower(id_tag collate "C"), transaction_id desc);
drop index transactions_by_id_tag;
`;

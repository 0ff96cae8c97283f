/**
 * 020: the transactions list's `idTag` filter matches in any case, as every other id tag lookup does since 018:
 * the index by tag is on `lower(id_tag collate "C")` (A-Z folded only, as on KV). Built concurrently: starts
 * go on meanwhile. Forward-only.
 */
export const steps = [
  `create index concurrently if not exists transactions_by_lower_id_tag
     on transactions (lower(id_tag collate "C"), transaction_id desc)`,
  `drop index concurrently if exists transactions_by_id_tag`,
];

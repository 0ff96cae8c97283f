/**
 * 016: the open transactions in a table of their own (issue 19). Forward-only.
 *
 * `status` was in the predicates of two partial indexes of `transactions` (open by connector, open by id tag),
 * so every stop changed an indexed column: PostgreSQL could not update the row in place (HOT) and wrote a new
 * entry into each of the table's seven indexes. Now "which transactions are open" is `open_transactions`, one
 * narrow row per active transaction, written by the same statements that write `transactions` (the start's
 * insert adds it, the update that ends or supersedes the transaction deletes it); no index of `transactions`
 * names a column a stop changes, and the table keeps a fifth of each page free for those updates, so a stop is
 * a heap-only update there plus one deleted row here. The rows of the active transactions stored before are
 * copied in; the two partial indexes are dropped (nothing else read them).
 *
 * A cluster's nodes must all run a version with this migration once it is applied: an older node would start
 * transactions without their open row (the other nodes would not see them as open).
 */
export const up = `
-- Keyed by connector first: the lookup by connector and the delete at a stop use the key, and a start adds
-- two index entries, as many as the two partial indexes took.
create table open_transactions (
  charge_point_id text collate "C" not null,
  connector_id    integer not null,
  transaction_id  integer not null,
  id_tag          text not null,
  primary key (charge_point_id, connector_id, transaction_id)
);
create index open_transactions_by_id_tag on open_transactions (id_tag, transaction_id desc);
insert into open_transactions (charge_point_id, connector_id, transaction_id, id_tag)
  select charge_point_id, connector_id, transaction_id, id_tag from transactions where status = 'active';
drop index transactions_open_by_connector;
drop index transactions_open_by_id_tag;
-- Room on each page for the new version of its rows when they stop (pages written from now on).
alter table transactions set (fillfactor = 80);
`;

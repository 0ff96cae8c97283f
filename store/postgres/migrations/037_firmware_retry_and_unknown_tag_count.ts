/**
 * 037, two additions, nothing rewritten (forward-only):
 * - firmware_staging.retry_after, set when the retention sweep failed to delete a staging's bytes: the sweep
 *   passes over the row until then, so a batch's worth of bytes the blob store cannot delete does not stall it
 *   on the same oldest rows. Nullable, no default.
 * - unknown_id_tag_count, the number of rows of `unknown_id_tag`, kept by its writers (under their advisory
 *   lock): a flush trims only when it exceeds the keep, walking only the rows past it, not the `keep` before.
 *   Counted under that lock too: an older node's flush in flight (it takes the lock) commits before the count,
 *   not after it, uncounted.
 */
export const up = `
alter table firmware_staging add column retry_after timestamptz;
create table unknown_id_tag_count (
  one boolean primary key default true check (one),
  n   bigint not null check (n >= 0)
);
select pg_advisory_xact_lock(hashtextextended('csms unknown_id_tag writers', 0));
insert into unknown_id_tag_count (n) select count(*) from unknown_id_tag;
`;

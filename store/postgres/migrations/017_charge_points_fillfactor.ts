/**
 * 017: room on each page of `charge_points` for the new versions of its rows (issue 19). Forward-only.
 *
 * A station's row is rewritten at every Start and Stop (its connectors), every status change and every touch;
 * none of these changes the key, the table's only index, so each can be a heap-only (HOT) update, which writes
 * no index entry, but only when the page holding the row has room for the new version. Packed full (the
 * default), about a quarter of them were (`bench/pg_write_cost.ts tx`). Pages written from now on keep 30%
 * free.
 */
export const up = `
alter table charge_points set (fillfactor = 70);
`;

/**
 * 031: retention deletes upload slots and download links a day after they expire, found by `expires_at`
 * through these indexes (neither table had one on it, so each prune read every row). Built concurrently:
 * stations upload and download meanwhile. Forward-only.
 */
export const steps = [
  `create index concurrently if not exists upload_slot_by_expiry on upload_slot (expires_at)`,
  `create index concurrently if not exists download_link_by_expiry on download_link (expires_at)`,
];

/**
 * 029: upload_slot.claimed_at, when the upload in progress claimed the slot, so a slot whose uploader died
 * (a crash) opens again after the uploader's lease instead of staying "uploading" until it expires. Nullable,
 * no default: adding it rewrites nothing. Forward-only.
 */
export const up = `
alter table upload_slot add column claimed_at timestamptz;
`;

/**
 * 038: firmware_staging.retry_after, set when the retention sweep failed to delete a staging's bytes: the sweep
 * passes over the row until then, so a batch's worth of bytes the blob store cannot delete does not stall it
 * on the same oldest rows. Nullable, no default: adding it rewrites nothing. Forward-only.
 */
export const up = `
alter table firmware_staging add column retry_after timestamptz;
`;

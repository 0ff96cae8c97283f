/**
 * 033: `firmware_staging`, a firmware image whose bytes are being staged (written before the upload's form is
 * read to its end), noted before the first byte is stored; recording the image deletes its row in the same
 * transaction. A row no upload will record (`abandoned`: older than any upload may take, or its image was
 * deleted) tells the retention sweep which bytes to delete, as blob stores cannot list what they hold. A new,
 * empty table: nothing is rewritten. Forward-only.
 */
export const up = `
create table firmware_staging (
  id         text collate "C" primary key,
  started_at timestamptz not null,
  abandoned  boolean not null default false
);
`;

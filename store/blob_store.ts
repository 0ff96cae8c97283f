/**
 * Bytes of uploaded files, by id: in the store (`kv/blobs.ts` in chunks under KV's value limit,
 * `postgres/blobs.ts` in bytea chunks) or in a folder (`folder_blobs.ts`, `UPLOAD_DIR`). A blob becomes
 * readable only once completely written; a write that fails or runs past `maxBytes` leaves nothing behind.
 */

export interface BlobStore {
  /**
   * Writes `chunks` as blob `id` (a fresh id: blobs are never overwritten). Throws BlobTooLargeError, after
   * removing what it wrote, once more than `maxBytes` arrive. Returns the size.
   */
  write(id: string, chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<number>;
  /** The bytes, streamed; null when there is no complete blob `id`. */
  read(id: string): Promise<ReadableStream<Uint8Array> | null>;
  delete(id: string): Promise<void>;
}

export class BlobTooLargeError extends Error {
  override name = "BlobTooLargeError";
  constructor(readonly maxBytes: number) {
    super(`File is larger than ${maxBytes} bytes`);
  }
}

/** Blob ids are ours (UUIDs, prefixed); anything else is refused before it reaches a key or a path. */
export function checkBlobId(id: string): void {
  if (!/^[a-z]+-[0-9a-f-]{36}$/.test(id)) throw new Error(`Invalid blob id "${id}"`);
}

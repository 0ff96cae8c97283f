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

/**
 * `pieces` regrouped into chunks of exactly `size` bytes (the last may be shorter), as a store writes them;
 * throws BlobTooLargeError once more than `maxBytes` arrived. Each chunk is a fresh array.
 */
export async function* rechunk(
  pieces: AsyncIterable<Uint8Array>,
  size: number,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  let buffer = new Uint8Array(size);
  let filled = 0;
  for await (const piece of pieces) {
    total += piece.byteLength;
    if (total > maxBytes) throw new BlobTooLargeError(maxBytes);
    let offset = 0;
    while (offset < piece.byteLength) {
      const n = Math.min(size - filled, piece.byteLength - offset);
      buffer.set(piece.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        yield buffer;
        buffer = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.slice(0, filled);
}

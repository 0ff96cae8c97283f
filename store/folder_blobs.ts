/**
 * The BlobStore in a folder (`UPLOAD_DIR`): one file per blob, written under a temporary name and renamed
 * when complete, so a reader never sees half a file. Ids are checked (`checkBlobId`), so they cannot name a
 * path outside the folder.
 */
import { type BlobStore, BlobTooLargeError, checkBlobId } from "./blob_store.ts";

export class FolderBlobStore implements BlobStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async write(id: string, chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<number> {
    checkBlobId(id);
    await Deno.mkdir(this.#dir, { recursive: true });
    const partial = `${this.#dir}/${id}.partial`;
    // Truncate, not createNew: a crash mid-upload leaves a partial file, and the retry (the slot's only writer)
    // must be able to start over.
    const file = await Deno.open(partial, { write: true, create: true, truncate: true });
    let size = 0;
    try {
      for await (const piece of chunks) {
        size += piece.byteLength;
        if (size > maxBytes) throw new BlobTooLargeError(maxBytes);
        let written = 0;
        while (written < piece.byteLength) written += await file.write(piece.subarray(written));
      }
      await file.sync();
      file.close();
      await Deno.rename(partial, `${this.#dir}/${id}`);
      return size;
    } catch (error) {
      try {
        file.close();
      } catch {
        // Closed already.
      }
      await Deno.remove(partial).catch(() => {});
      throw error;
    }
  }

  async read(id: string): Promise<ReadableStream<Uint8Array> | null> {
    checkBlobId(id);
    try {
      return (await Deno.open(`${this.#dir}/${id}`, { read: true })).readable;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  /** Also what a crashed write left (`.partial`), as the other stores drop a blob's chunks whatever its state. */
  async delete(id: string): Promise<void> {
    checkBlobId(id);
    for (const path of [`${this.#dir}/${id}`, `${this.#dir}/${id}.partial`]) {
      await Deno.remove(path).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
  }
}

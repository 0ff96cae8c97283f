/**
 * The BlobStore on Deno KV: a blob is its chunks `["blob_chunk", id, seq]` (60,000 bytes each, under KV's
 * 64 KiB value limit), written several per atomic, and then `["blob", id]` = { size, chunks }, which makes it
 * readable. A failed or oversized write deletes its chunks.
 */
import { type BlobStore, checkBlobId, rechunk } from "../blob_store.ts";
import { AtomicBatches } from "./kv_helpers.ts";

const CHUNK_BYTES = 60_000;
/** Chunks per atomic: well within KV's total mutation size per atomic. */
const CHUNKS_PER_ATOMIC = 8;
const BLOB = "blob";
const CHUNK = "blob_chunk";

interface BlobMeta {
  size: number;
  chunks: number;
}

export class KvBlobStore implements BlobStore {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async write(id: string, chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<number> {
    checkBlobId(id);
    let size = 0;
    let seq = 0;
    const batches = new AtomicBatches(this.#kv, CHUNKS_PER_ATOMIC);
    const failed = () => new Error(`Cannot write blob "${id}"`);
    try {
      for await (const chunk of rechunk(chunks, CHUNK_BYTES, maxBytes)) {
        const key = [CHUNK, id, seq++];
        await batches.add((op) => op.set(key, chunk));
        if (!batches.ok) throw failed();
        size += chunk.byteLength;
      }
      if (!(await batches.flush())) throw failed();
      const meta: BlobMeta = { size, chunks: seq };
      await this.#kv.set([BLOB, id], meta);
      return size;
    } catch (error) {
      await this.#deleteChunks(id).catch(() => {});
      throw error;
    }
  }

  async read(id: string): Promise<ReadableStream<Uint8Array> | null> {
    checkBlobId(id);
    const meta = (await this.#kv.get<BlobMeta>([BLOB, id])).value;
    if (meta === null) return null;
    const kv = this.#kv;
    let seq = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (seq >= meta.chunks) return controller.close();
        const keys = [];
        for (let i = seq; i < Math.min(seq + 10, meta.chunks); i++) keys.push([CHUNK, id, i]);
        const entries = await kv.getMany<Uint8Array[]>(keys);
        for (const entry of entries) {
          if (entry.value === null) return controller.error(new Error(`Blob "${id}" is missing a chunk`));
          controller.enqueue(entry.value);
        }
        seq += keys.length;
      },
    });
  }

  async delete(id: string): Promise<void> {
    checkBlobId(id);
    await this.#kv.delete([BLOB, id]);
    await this.#deleteChunks(id);
  }

  async #deleteChunks(id: string): Promise<void> {
    const batches = new AtomicBatches(this.#kv, 500);
    for await (const entry of this.#kv.list({ prefix: [CHUNK, id] })) {
      await batches.add((op) => op.delete(entry.key));
    }
    await batches.flush();
  }
}

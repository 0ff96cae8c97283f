/**
 * The BlobStore on PostgreSQL (migration 009): chunks of 256 KiB in `file_blob_chunk`, then the `file_blob`
 * row that makes the blob readable. Chunks are written as they arrive (the upload is never held in memory); a
 * failed or oversized write deletes them.
 */
import type { Sql } from "postgres";
import { type BlobStore, checkBlobId, rechunk } from "../blob_store.ts";
import { STORE_CALL_TIMEOUT_MS } from "./bounded_calls.ts";
import { bounded } from "./sql.ts";

const CHUNK_BYTES = 256 * 1024;

export class PostgresBlobStore implements BlobStore {
  readonly #sql: Sql;
  readonly #timeoutMs: number;

  /** Each statement is bounded by `timeoutMs`; a whole write or read lasts as long as its bytes flow. */
  constructor(sql: Sql, timeoutMs: number = STORE_CALL_TIMEOUT_MS) {
    this.#sql = sql;
    this.#timeoutMs = timeoutMs;
  }

  /** One statement within the bound (a connection that stops answering fails it, as any store call). */
  #bounded<T>(what: string, statement: () => Promise<T>): Promise<T> {
    return bounded(what, this.#timeoutMs, statement);
  }

  async write(id: string, chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<number> {
    checkBlobId(id);
    let size = 0;
    let seq = 0;
    // Chunks a crashed write left behind (a retry of the same upload is the id's only writer).
    await this.#bounded(
      `write blob "${id}"`,
      () => this.#sql`delete from file_blob_chunk where blob_id = ${id}`,
    );
    try {
      for await (const data of rechunk(chunks, CHUNK_BYTES, maxBytes)) {
        const chunk = seq++;
        await this.#bounded(
          `write blob "${id}"`,
          () => this.#sql`insert into file_blob_chunk (blob_id, seq, data) values (${id}, ${chunk}, ${data})`,
        );
        size += data.byteLength;
      }
      await this.#bounded(
        `write blob "${id}"`,
        () => this.#sql`insert into file_blob (id, size, chunks) values (${id}, ${size}, ${seq})`,
      );
      return size;
    } catch (error) {
      // Bounded too: a write failed by a frozen connection must not wait for ever on its clean-up.
      await this.#bounded(
        `clean up blob "${id}"`,
        () => this.#sql`delete from file_blob_chunk where blob_id = ${id}`,
      )
        .catch(() => {});
      throw error;
    }
  }

  async read(id: string): Promise<ReadableStream<Uint8Array> | null> {
    checkBlobId(id);
    const [meta] = await this.#bounded(
      `read blob "${id}"`,
      () => this.#sql<{ chunks: number }[]>`select chunks from file_blob where id = ${id}`,
    );
    if (!meta) return null;
    const chunksFrom = (from: number) =>
      this.#bounded(`read blob "${id}"`, () =>
        this.#sql<{ data: Uint8Array }[]>`
          select data from file_blob_chunk where blob_id = ${id} and seq >= ${from} and seq < ${from + 4}
          order by seq`);
    let seq = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (seq >= meta.chunks) return controller.close();
        const rows = await chunksFrom(seq);
        if (rows.length === 0) return controller.error(new Error(`Blob "${id}" is missing a chunk`));
        for (const row of rows) controller.enqueue(new Uint8Array(row.data));
        seq += rows.length;
      },
    });
  }

  async delete(id: string): Promise<void> {
    checkBlobId(id);
    await this.#bounded(`delete blob "${id}"`, () =>
      this.#sql.begin(async (tx) => {
        await tx`delete from file_blob where id = ${id}`;
        await tx`delete from file_blob_chunk where blob_id = ${id}`;
      }));
  }
}

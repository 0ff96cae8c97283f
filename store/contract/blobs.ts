/**
 * The BlobStore contract, run against every implementation (KV, PostgreSQL, folder) by
 * `security_extension_test.ts`.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { type BlobStore, BlobTooLargeError } from "../blob_store.ts";
import type { ContractTest } from "./kit.ts";

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(store: BlobStore, id: string): Promise<Uint8Array | null> {
  const stream = await store.read(id);
  return stream === null ? null : new Uint8Array(await new Response(stream).arrayBuffer());
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

const id = () => `blob-${crypto.randomUUID()}`;

export function blobsContract(test: ContractTest<BlobStore>): void {
  test("a blob written in odd pieces reads back byte for byte, across many chunks", async (store) => {
    const bytes = randomBytes(700_001);
    const blob = id();
    assertEquals(await store.write(blob, pieces(bytes, 12_345), 1_000_000), bytes.length);
    assertEquals(await readAll(store, blob), bytes);
  });

  test("an empty blob and a one-byte blob are blobs", async (store) => {
    const empty = id();
    assertEquals(await store.write(empty, pieces(new Uint8Array(0), 1), 10), 0);
    assertEquals(await readAll(store, empty), new Uint8Array(0));
    const one = id();
    await store.write(one, pieces(new Uint8Array([7]), 1), 1);
    assertEquals(await readAll(store, one), new Uint8Array([7]));
  });

  test("a write past maxBytes throws BlobTooLargeError and leaves nothing readable", async (store) => {
    const blob = id();
    await assertRejects(
      () => store.write(blob, pieces(randomBytes(300_000), 50_000), 299_999),
      BlobTooLargeError,
    );
    assertEquals(await store.read(blob), null);
    // A fresh id can be written after the refusal.
    const again = id();
    await store.write(again, pieces(randomBytes(10), 5), 10);
    assert((await readAll(store, again))?.length === 10);
  });

  test("a write whose source fails leaves nothing readable", async (store) => {
    const blob = id();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(100_000);
      throw new Error("connection reset");
    }
    await assertRejects(() => store.write(blob, failing(), 1_000_000), Error, "connection reset");
    assertEquals(await store.read(blob), null);
  });

  test("delete() removes a blob; unknown and malformed ids", async (store) => {
    const blob = id();
    await store.write(blob, pieces(randomBytes(1000), 100), 1000);
    await store.delete(blob);
    assertEquals(await store.read(blob), null);
    // Twice at once (a retention round and an operator's delete): no error.
    await Promise.all([store.delete(blob), store.delete(blob)]);
    assertEquals(await store.read(id()), null);
    await assertRejects(() => store.read("../../etc/passwd"), Error, "Invalid blob id");
  });
}

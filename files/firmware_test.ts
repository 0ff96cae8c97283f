import { assert, assertEquals, assertRejects } from "@std/assert";
import { openKvHandle } from "../store/kv/handle.ts";
import { kvSecurityExtension } from "../store/kv/security_extension.ts";
import { makeCa } from "../tests/helpers/openssl.ts";
import type { BlobStore } from "../store/blob_store.ts";
import { FirmwareLibrary, firmwareUploadLeaseMs, signingProblem, STAGED_RETRY_MS } from "./firmware.ts";

async function withLibrary(
  fn: (lib: FirmwareLibrary, clock: { now: Date }, kv: Deno.Kv) => Promise<void>,
  wrapBlobs: (blobs: BlobStore) => BlobStore = (blobs) => blobs,
) {
  const kv = await openKvHandle(":memory:");
  const clock = { now: new Date("2024-05-01T10:00:00Z") };
  const { files, blobs } = kvSecurityExtension(kv);
  try {
    await fn(
      new FirmwareLibrary({
        files,
        blobs: wrapBlobs(blobs),
        now: () => clock.now,
        settings: { maxBytes: 1000, linkTtlMs: 60_000, maxDownloads: 2, idleMs: 30_000, maxConcurrent: 2 },
      }),
      clock,
      kv,
    );
  } finally {
    kv.close();
  }
}

/** What the KV store holds of stagings and blobs: keys under `firmware_staging`, `blob`, `blob_chunk`. */
async function leftovers(kv: Deno.Kv): Promise<{ stagings: number; blobKeys: number }> {
  const count = async (prefix: string) => (await Array.fromAsync(kv.list({ prefix: [prefix] }))).length;
  return {
    stagings: await count("firmware_staging"),
    blobKeys: await count("blob") + await count("blob_chunk"),
  };
}

const body = (text: string) => new Response(text).body!;

Deno.test("FirmwareLibrary: an image is downloaded at its link by its station, up to the limit, until expiry", async () => {
  await withLibrary(async (lib, clock) => {
    const added = await lib.add({
      name: "Volt 2.4",
      fileName: "volt-2.4.bin",
      contentType: null,
      body: body("IMAGE"),
      signature: null,
      signingCertificatePem: null,
      uploadedBy: "user:root",
    });
    assert(added.ok);
    assertEquals(added.image.size, 5);
    const link = await lib.link({
      firmwareId: added.image.id,
      chargePointId: "CP-1",
      createdBy: "u",
      baseUrl: "http://h",
    });
    assert(link);
    assert(
      link.url.startsWith("http://h/files/firmware/CP-1/") && link.url.endsWith("/volt-2.4.bin"),
      link.url,
    );
    const token = link.url.split("/").at(-2)!;
    assertEquals(await lib.download({ chargePointId: "CP-2", token }), {
      ok: false,
      reason: "wrong_station",
    });
    const first = await lib.download({ chargePointId: "CP-1", token });
    assert(first.ok);
    assertEquals(await new Response(first.body).text(), "IMAGE");
    const second = await lib.download({ chargePointId: "CP-1", token });
    assert(second.ok);
    await second.body.cancel();
    assertEquals(await lib.download({ chargePointId: "CP-1", token }), { ok: false, reason: "exhausted" });
    const other = await lib.link({
      firmwareId: added.image.id,
      chargePointId: "CP-1",
      createdBy: "u",
      baseUrl: "http://h",
    });
    clock.now = new Date(clock.now.getTime() + 60_000);
    assertEquals(await lib.download({ chargePointId: "CP-1", token: other!.url.split("/").at(-2)! }), {
      ok: false,
      reason: "expired",
    });
    assertEquals(
      await lib.link({ firmwareId: "firmware-none", chargePointId: "CP-1", createdBy: "u", baseUrl: "x" }),
      null,
    );
  });
});

Deno.test("FirmwareLibrary: an image over the limit is refused and nothing is listed", async () => {
  await withLibrary(async (lib) => {
    const added = await lib.add({
      name: "big",
      fileName: null,
      contentType: null,
      body: body("x".repeat(1001)),
      signature: null,
      signingCertificatePem: null,
      uploadedBy: "u",
    });
    assertEquals(added.ok, false);
    assertEquals(await lib.list(10), []);
  });
});

Deno.test("FirmwareLibrary: the staging is noted before the first byte is stored, and ends with the record", async () => {
  await withLibrary(async (lib, _clock, kv) => {
    const seenAtFirstByte: { stagings: number; blobKeys: number }[] = [];
    const image = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (seenAtFirstByte.length === 0) {
          seenAtFirstByte.push(await leftovers(kv));
          controller.enqueue(new TextEncoder().encode("IMAGE"));
        } else controller.close();
      },
    });
    const staged = await lib.stage(image);
    assert(staged.ok);
    assertEquals(seenAtFirstByte, [{ stagings: 1, blobKeys: 0 }]);
    assertEquals((await kv.get(["firmware_staging", staged.image.id])).value, {
      id: staged.image.id,
      startedAt: "2024-05-01T10:00:00.000Z",
      abandoned: false,
    });
    const recorded = await lib.record(staged.image, {
      name: "Volt",
      fileName: null,
      contentType: null,
      signature: null,
      signingCertificatePem: null,
      uploadedBy: "u",
    });
    assert(recorded.ok);
    assertEquals((await leftovers(kv)).stagings, 0);
  });
});

Deno.test("FirmwareLibrary: a failed or refused upload leaves neither bytes nor a staging", async () => {
  await withLibrary(async (lib, _clock, kv) => {
    assertEquals((await lib.stage(body("x".repeat(1001)))).ok, false);
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(500));
        controller.error(new Error("connection reset"));
      },
    });
    await assertRejects(() => lib.stage(broken), Error, "connection reset");
    const staged = await lib.stage(body("IMAGE"));
    assert(staged.ok);
    const refused = await lib.record(staged.image, {
      name: "Volt",
      fileName: null,
      contentType: null,
      signature: "c2ln",
      signingCertificatePem: null,
      uploadedBy: "u",
    });
    assertEquals(refused.ok, false);
    assertEquals(await leftovers(kv), { stagings: 0, blobKeys: 0 });
  });
});

Deno.test("FirmwareLibrary: a delete that cannot delete the bytes leaves them to pruneStaged, which deletes them", async () => {
  let failDeletes = 1;
  await withLibrary(async (lib, _clock, kv) => {
    const added = await lib.add({
      name: "Volt",
      fileName: null,
      contentType: null,
      body: body("IMAGE"),
      signature: null,
      signingCertificatePem: null,
      uploadedBy: "u",
    });
    assert(added.ok);
    assertEquals(await lib.delete(added.image.id), true);
    assertEquals(await lib.list(10), []);
    assertEquals((await leftovers(kv)).stagings, 1, "the bytes are still to be deleted");
    assert((await leftovers(kv)).blobKeys > 0);
    // Abandoned already: due at once, whatever its age.
    assertEquals(await lib.pruneStaged(10), { deleted: 1, postponed: 0 });
    assertEquals(await leftovers(kv), { stagings: 0, blobKeys: 0 });
    assertEquals(await lib.pruneStaged(10), { deleted: 0, postponed: 0 });
  }, (blobs) => ({
    write: (id, chunks, max) => blobs.write(id, chunks, max),
    read: (id) => blobs.read(id),
    delete: (id) => failDeletes-- > 0 ? Promise.reject(new Error("disk unplugged")) : blobs.delete(id),
  }));
});

Deno.test("FirmwareLibrary: pruneStaged() postpones bytes it cannot delete, says which and until when, and deletes the rest", async () => {
  const undeletable = new Set<string>();
  await withLibrary(async (lib, clock, kv) => {
    const ids: string[] = [];
    for (const text of ["OLDEST", "MIDDLE", "NEWEST"]) {
      const staged = await lib.stage(body(text));
      assert(staged.ok);
      ids.push(staged.image.id);
      clock.now = new Date(clock.now.getTime() + 1000);
    }
    // The oldest, first in every round: its delete fails every time (a blob the store refuses to drop).
    undeletable.add(ids[0]!);
    clock.now = new Date(clock.now.getTime() + firmwareUploadLeaseMs(lib.settings));
    const skipped: [string, string, string][] = [];
    const skip = (id: string, error: unknown, retryAfter: string) =>
      skipped.push([id, (error as Error).message, retryAfter]);
    assertEquals(await lib.pruneStaged(10, skip), { deleted: 2, postponed: 1 });
    const retryAt = new Date(clock.now.getTime() + STAGED_RETRY_MS);
    assertEquals(skipped, [[ids[0]!, "bytes held", retryAt.toISOString()]]);
    assertEquals((await leftovers(kv)).stagings, 1, "the skipped one is tried again later");
    assertEquals(await lib.pruneStaged(10, skip), { deleted: 0, postponed: 0 }, "not before its retry time");
    clock.now = retryAt;
    assertEquals(await lib.pruneStaged(10, skip), { deleted: 0, postponed: 1 });
    assertEquals(skipped.length, 2);
    undeletable.clear();
    clock.now = new Date(clock.now.getTime() + STAGED_RETRY_MS);
    assertEquals(await lib.pruneStaged(10, skip), { deleted: 1, postponed: 0 });
    assertEquals(await leftovers(kv), { stagings: 0, blobKeys: 0 });
  }, (blobs) => ({
    write: (id, chunks, max) => blobs.write(id, chunks, max),
    read: (id) => blobs.read(id),
    delete: (id) => undeletable.has(id) ? Promise.reject(new Error("bytes held")) : blobs.delete(id),
  }));
});

Deno.test("FirmwareLibrary: pruneStaged() spares a staging younger than an upload's lease", async () => {
  await withLibrary(async (lib, clock, kv) => {
    const staged = await lib.stage(body("IMAGE"));
    assert(staged.ok);
    clock.now = new Date(clock.now.getTime() + firmwareUploadLeaseMs(lib.settings));
    assertEquals(
      await lib.pruneStaged(10),
      { deleted: 0, postponed: 0 },
      "exactly the lease: still the upload's",
    );
    clock.now = new Date(clock.now.getTime() + 1);
    assertEquals(await lib.pruneStaged(10), { deleted: 1, postponed: 0 });
    assertEquals(await leftovers(kv), { stagings: 0, blobKeys: 0 });
  });
});

Deno.test("FirmwareLibrary: admitUpload() gives maxConcurrent places; one given back is given again", async () => {
  await withLibrary((lib) => {
    const first = lib.admitUpload();
    const second = lib.admitUpload();
    assert(first !== null && second !== null);
    assertEquals(lib.admitUpload(), null);
    first();
    first(); // Twice: frees one place, not two.
    const third = lib.admitUpload();
    assert(third !== null);
    assertEquals(lib.admitUpload(), null);
    second();
    third();
    return Promise.resolve();
  });
});

Deno.test("signingProblem() wants both or neither, base64 and one PEM certificate", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { certPem } = await makeCa(dir, "/CN=Firmware Signer");
    assertEquals(signingProblem(null, null), null);
    assertEquals(signingProblem("c2ln", certPem), null);
    assertEquals(
      signingProblem("c2ln", null),
      "A signed image needs both the signature and the signing certificate",
    );
    assertEquals(
      signingProblem("not base64!", certPem),
      "The signature must be base64, at most 800 characters",
    );
    assertEquals(signingProblem("c2ln", "junk"), "The signing certificate must be one PEM X.509 certificate");
    assertEquals(
      signingProblem("c2ln", certPem + certPem),
      "The signing certificate must be one PEM X.509 certificate",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FirmwareLibrary: an upload whose staging the sweep took meanwhile leaves no bytes behind", async () => {
  // The sweep abandons a staging past the upload's lease and deletes its bytes; a writer still finishing (its
  // last chunk and the blob's row land after that delete, as PostgreSQL's blob store writes them) must not
  // leave them behind when record() then finds the staging gone.
  const holder: { lib?: FirmwareLibrary; clock?: { now: Date } } = {};
  await withLibrary(async (lib, clock, kv) => {
    holder.lib = lib;
    holder.clock = clock;
    const staged = await lib.stage(body("IMAGE"));
    assert(staged.ok);
    const recorded = await lib.record(staged.image, {
      name: "Volt",
      fileName: null,
      contentType: null,
      signature: null,
      signingCertificatePem: null,
      uploadedBy: "u",
    });
    assertEquals(recorded.ok ? "recorded" : recorded.reason, "stalled");
    assertEquals(await lib.list(10), []);
    assertEquals(await leftovers(kv), { stagings: 0, blobKeys: 0 });
  }, (blobs) => ({
    write: async (id, chunks, max) => {
      const arrived: Uint8Array[] = [];
      for await (const chunk of chunks) arrived.push(chunk);
      // The body ended at its lease; the sweep runs before the bytes are all stored.
      const { lib, clock } = holder;
      clock!.now = new Date(clock!.now.getTime() + firmwareUploadLeaseMs(lib!.settings) + 1);
      assertEquals(await lib!.pruneStaged(10), { deleted: 1, postponed: 0 });
      return await blobs.write(
        id,
        (async function* () {
          yield* arrived;
        })(),
        max,
      );
    },
    read: (id) => blobs.read(id),
    delete: (id) => blobs.delete(id),
  }));
});

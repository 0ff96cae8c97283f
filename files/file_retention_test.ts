import { assert, assertEquals, assertRejects } from "@std/assert";
import { eventually } from "../tests/helpers/server.ts";
import type { BlobStore } from "../store/blob_store.ts";
import type { FileStore } from "../store/file_store.ts";
import { FolderBlobStore } from "../store/folder_blobs.ts";
import { openKvHandle } from "../store/kv/handle.ts";
import { kvSecurityExtension } from "../store/kv/security_extension.ts";
import { FileRetention } from "./file_retention.ts";
import { FirmwareLibrary, firmwareUploadLeaseMs, STAGED_RETRY_MS } from "./firmware.ts";
import { hashUrlToken } from "./tokens.ts";
import { StationUploads } from "./uploads.ts";

const DAY = 86_400_000;

async function withRetention(
  fn: (ctx: {
    uploads: StationUploads;
    firmware: FirmwareLibrary;
    files: FileStore;
    retention: FileRetention;
    clock: { now: Date };
    dir: string;
    lease: { free: boolean };
    claim: (url: string) => Promise<void>;
    /** Blob deletes that fail before they succeed again (a disk gone, a crash mid-round), blobs whose always do. */
    failing: { deletes: number; ids: Set<string> };
    /** What the rounds warned of. */
    warnings: Record<string, unknown>[];
    /** Runs before each blob delete. */
    hooks: { beforeBlobDelete?: (id: string) => Promise<void> };
  }) => Promise<void>,
) {
  const kv = await openKvHandle(":memory:");
  const dir = await Deno.makeTempDir({ prefix: "csms_file_retention_" });
  const clock = { now: new Date("2024-05-01T10:00:00Z") };
  const { files } = kvSecurityExtension(kv);
  const folder = new FolderBlobStore(dir);
  const failing = { deletes: 0, ids: new Set<string>() };
  const hooks: { beforeBlobDelete?: (id: string) => Promise<void> } = {};
  const blobs: BlobStore = {
    write: (id, chunks, max) => folder.write(id, chunks, max),
    read: (id) => folder.read(id),
    delete: async (id) => {
      await hooks.beforeBlobDelete?.(id);
      if (failing.deletes-- > 0 || failing.ids.has(id)) throw new Error("disk gone");
      await folder.delete(id);
    },
  };
  const now = () => clock.now;
  const uploads = new StationUploads({
    files,
    blobs,
    now,
    settings: { maxBytes: 1000, ttlMs: 60_000, maxConcurrent: 4, idleMs: 5_000 },
  });
  const firmware = new FirmwareLibrary({
    files,
    blobs,
    now,
    settings: { maxBytes: 1000, linkTtlMs: 60_000, maxDownloads: 2, idleMs: 30_000, maxConcurrent: 4 },
  });
  const lease = { free: true };
  const warnings: Record<string, unknown>[] = [];
  const retention = new FileRetention({
    uploads,
    firmware,
    now,
    lease: () => Promise.resolve(lease.free),
    warn: (message, fields) => warnings.push({ message, ...fields }),
    settings: { uploadRetentionMs: 30 * DAY, batch: 2, pauseMs: 0 },
  });
  // What a process that died mid-upload leaves: the slot claimed, part of the bytes in a .partial file.
  const claim = async (url: string) => {
    const hash = await hashUrlToken(url.split("/").pop()!);
    const claimed = await files.claimUploadSlot(hash, "CP-1", clock.now.toISOString(), "");
    if (!claimed.ok) throw new Error(claimed.reason);
  };
  try {
    await fn({ uploads, firmware, files, retention, clock, dir, lease, claim, failing, warnings, hooks });
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const mintFor = (uploads: StationUploads) =>
  uploads.mint({ chargePointId: "CP-1", kind: "diagnostics", createdBy: "u", baseUrl: "http://h" });

async function store(uploads: StationUploads, text: string): Promise<string> {
  const minted = await mintFor(uploads);
  const result = await uploads.receive({
    chargePointId: "CP-1",
    token: minted.url.split("/").pop()!,
    body: new Response(text).body!,
    remoteAddress: null,
  });
  if (!result.ok) throw new Error(result.reason);
  return result.file.id;
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("FileRetention: files past the retention go with their bytes, in batches; newer ones stay", async () => {
  await withRetention(async ({ uploads, retention, clock, dir }) => {
    const old = [await store(uploads, "a"), await store(uploads, "b"), await store(uploads, "c")];
    clock.now = new Date(clock.now.getTime() + 10 * DAY);
    const recent = await store(uploads, "d");
    clock.now = new Date(clock.now.getTime() + 25 * DAY);
    assertEquals(await retention.tick(), { uploads: 3, uploadSlots: 4, downloadLinks: 0, stagedFirmware: 0 });
    for (const id of old) assertEquals([await uploads.open(id), await exists(`${dir}/${id}`)], [null, false]);
    assertEquals((await uploads.list({ limit: 10 })).map((f) => f.id), [recent]);
    assertEquals(await exists(`${dir}/${recent}`), true);
    assertEquals(await retention.tick(), { uploads: 0, uploadSlots: 0, downloadLinks: 0, stagedFirmware: 0 });
  });
});

Deno.test("FileRetention: an expired URL's row goes a day after its expiry, with what a crashed upload left", async () => {
  await withRetention(async ({ uploads, retention, clock, dir, claim }) => {
    const crashed = await mintFor(uploads);
    await claim(crashed.url);
    await Deno.writeTextFile(`${dir}/${crashed.uploadId}.partial`, "half a file");
    const unused = await mintFor(uploads);
    // Expired (60 s), but not a day ago yet: kept, so a late station is told "expired".
    clock.now = new Date(clock.now.getTime() + DAY - 60_000);
    assertEquals(await retention.tick(), { uploads: 0, uploadSlots: 0, downloadLinks: 0, stagedFirmware: 0 });
    clock.now = new Date(clock.now.getTime() + 3 * 60_000);
    assertEquals(await retention.tick(), { uploads: 0, uploadSlots: 2, downloadLinks: 0, stagedFirmware: 0 });
    assertEquals(await exists(`${dir}/${crashed.uploadId}.partial`), false);
    const late = await uploads.receive({
      chargePointId: "CP-1",
      token: unused.url.split("/").pop()!,
      body: new Response("late").body!,
      remoteAddress: null,
    });
    assertEquals(late, { ok: false, reason: "unknown" });
  });
});

Deno.test("FileRetention: a round that fails deleting a crashed upload's bytes keeps its slot, so the next round deletes them", async () => {
  await withRetention(async ({ uploads, retention, clock, dir, claim, failing }) => {
    const crashed = await mintFor(uploads);
    await claim(crashed.url);
    await Deno.writeTextFile(`${dir}/${crashed.uploadId}.partial`, "half a file");
    clock.now = new Date(clock.now.getTime() + 2 * DAY);
    failing.deletes = 1;
    await assertRejects(() => retention.tick(), Error, "disk gone");
    assertEquals(await exists(`${dir}/${crashed.uploadId}.partial`), true);
    assertEquals(await retention.tick(), { uploads: 0, uploadSlots: 1, downloadLinks: 0, stagedFirmware: 0 });
    assertEquals(await exists(`${dir}/${crashed.uploadId}.partial`), false);
  });
});

Deno.test("FileRetention: without the lease nothing is deleted; a retention of 0 keeps files", async () => {
  await withRetention(async ({ uploads, retention, clock, lease }) => {
    const id = await store(uploads, "kept");
    clock.now = new Date(clock.now.getTime() + 400 * DAY);
    lease.free = false;
    assertEquals(await retention.tick(), null);
    assertEquals((await uploads.list({ limit: 10 })).length, 1);
    lease.free = true;
    const keeping = new FileRetention({
      uploads,
      firmware: {
        pruneLinks: () => Promise.resolve(0),
        pruneStaged: () => Promise.resolve({ deleted: 0, postponed: 0 }),
      },
      now: () => clock.now,
      lease: () => Promise.resolve(true),
      warn: () => {},
      settings: { uploadRetentionMs: 0, batch: 10 },
    });
    assertEquals(await keeping.tick(), { uploads: 0, uploadSlots: 1, downloadLinks: 0, stagedFirmware: 0 });
    assertEquals((await uploads.open(id))?.file.id, id);
  });
});

Deno.test("FileRetention: firmware bytes a crash left staged go once older than any upload may take; images stay", async () => {
  await withRetention(async ({ firmware, files, retention, clock, dir }) => {
    const added = await firmware.add({
      name: "Volt 1",
      fileName: "volt.bin",
      contentType: null,
      body: new Response("IMAGE").body!,
      signature: null,
      signingCertificatePem: null,
      uploadedBy: "user:root",
    });
    if (!added.ok) throw new Error(added.message);
    // Crashed after the bytes, before the record: staged and complete, listed nowhere.
    const staged = await firmware.stage(new Response("STAGED").body!);
    if (!staged.ok) throw new Error(staged.message);
    // Crashed mid-body: the staging noted, part of the bytes in a .partial file.
    const midBody = `firmware-${crypto.randomUUID()}`;
    await files.beginFirmwareStaging(midBody, clock.now.toISOString());
    await Deno.writeTextFile(`${dir}/${midBody}.partial`, "half an image");
    const lease = firmwareUploadLeaseMs(firmware.settings);

    clock.now = new Date(clock.now.getTime() + lease - 1000);
    const nothing = { uploads: 0, uploadSlots: 0, downloadLinks: 0, stagedFirmware: 0 };
    assertEquals(await retention.tick(), nothing, "an upload may still be streaming into them");
    assertEquals(await exists(`${dir}/${staged.image.id}`), true);
    clock.now = new Date(clock.now.getTime() + 2000);
    assertEquals(await retention.tick(), { ...nothing, stagedFirmware: 2 });
    assertEquals(await exists(`${dir}/${staged.image.id}`), false);
    assertEquals(await exists(`${dir}/${midBody}.partial`), false);
    assertEquals(await exists(`${dir}/${added.image.id}`), true, "the recorded image's bytes stay");
    assertEquals(await retention.tick(), nothing);
    // Too late to record: the sweep took the staging (and its bytes).
    const late = await firmware.record(staged.image, { ...added.image, fileName: null, contentType: null });
    assertEquals([late.ok, !late.ok && late.reason], [false, "stalled"]);
    assertEquals((await firmware.list(10)).map((i) => i.id), [added.image.id]);
  });
});

Deno.test("FileRetention: firmware bytes that cannot be deleted are logged and tried again later; the others go", async () => {
  await withRetention(async ({ firmware, retention, clock, dir, failing, warnings }) => {
    const ids: string[] = [];
    for (const text of ["HELD", "A", "B"]) {
      const staged = await firmware.stage(new Response(text).body!);
      if (!staged.ok) throw new Error(staged.message);
      ids.push(staged.image.id);
      clock.now = new Date(clock.now.getTime() + 1000);
    }
    failing.ids.add(ids[0]!);
    clock.now = new Date(clock.now.getTime() + firmwareUploadLeaseMs(firmware.settings));
    const nothing = { uploads: 0, uploadSlots: 0, downloadLinks: 0, stagedFirmware: 0 };
    // Two a batch, the held one in the first: the round goes on to the next batch.
    assertEquals(await retention.tick(), { ...nothing, stagedFirmware: 2 });
    for (const id of ids.slice(1)) assertEquals(await exists(`${dir}/${id}`), false);
    assertEquals(await exists(`${dir}/${ids[0]}`), true);
    const retryAfter = new Date(clock.now.getTime() + STAGED_RETRY_MS).toISOString();
    const warned = {
      message: "firmware bytes not deleted: tried again later",
      firmwareId: ids[0],
      error: "disk gone",
      retryAfter,
    };
    assertEquals(warnings, [warned]);
    clock.now = new Date(clock.now.getTime() + STAGED_RETRY_MS - 1);
    assertEquals(await retention.tick(), nothing, "not tried before its retry time");
    assertEquals(warnings.length, 1);
    clock.now = new Date(clock.now.getTime() + 1);
    assertEquals(await retention.tick(), nothing);
    assertEquals(warnings.length, 2);
    failing.ids.clear();
    clock.now = new Date(clock.now.getTime() + STAGED_RETRY_MS);
    assertEquals(await retention.tick(), { ...nothing, stagedFirmware: 1 });
    assertEquals(await exists(`${dir}/${ids[0]}`), false);
  });
});

Deno.test("FileRetention: more undeletable firmware bytes than a batch do not stall the sweep; they are tried again later", async () => {
  await withRetention(async ({ firmware, retention, clock, dir, failing, warnings }) => {
    const ids: string[] = [];
    for (const text of ["HELD1", "HELD2", "HELD3", "A", "B"]) {
      const staged = await firmware.stage(new Response(text).body!);
      if (!staged.ok) throw new Error(staged.message);
      ids.push(staged.image.id);
      clock.now = new Date(clock.now.getTime() + 1000);
    }
    // The three oldest, more than a batch (2), fail their delete every time.
    const held = ids.slice(0, 3);
    for (const id of held) failing.ids.add(id);
    clock.now = new Date(clock.now.getTime() + firmwareUploadLeaseMs(firmware.settings));
    const nothing = { uploads: 0, uploadSlots: 0, downloadLinks: 0, stagedFirmware: 0 };
    assertEquals(await retention.tick(), { ...nothing, stagedFirmware: 2 });
    for (const id of ids.slice(3)) assertEquals(await exists(`${dir}/${id}`), false);
    assertEquals(warnings.map((w) => w.firmwareId), held);
    // Not asked again at once: the next round passes over them.
    assertEquals(await retention.tick(), nothing);
    assertEquals(warnings.length, 3);
    clock.now = new Date(clock.now.getTime() + STAGED_RETRY_MS);
    failing.ids.clear();
    assertEquals(await retention.tick(), { ...nothing, stagedFirmware: 3 });
    for (const id of held) assertEquals(await exists(`${dir}/${id}`), false);
  });
});

Deno.test("FileRetention: an upload finishing past its lease as its slot is pruned leaves no record without bytes", async () => {
  await withRetention(async ({ uploads, retention, clock, dir, hooks }) => {
    const minted = await mintFor(uploads);
    let finish = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("a late file"));
        finish = () => controller.close();
      },
    });
    const receiving = uploads.receive({
      chargePointId: "CP-1",
      token: minted.url.split("/").pop()!,
      body,
      remoteAddress: null,
    });
    const outcome = receiving.then((r) => r.ok ? "stored" : r.reason, (e: Error) => e.message);
    await eventually(() => exists(`${dir}/${minted.uploadId}.partial`), 2000, "the bytes streaming in");
    // Two days on, the upload's lease long gone: the round takes its slot, and the upload ends just then.
    clock.now = new Date(clock.now.getTime() + 2 * DAY);
    hooks.beforeBlobDelete = async (id) => {
      if (id !== minted.uploadId) return;
      delete hooks.beforeBlobDelete;
      finish();
      await outcome;
    };
    await retention.tick();
    // Whatever the order: a listed file has its bytes.
    for (const f of await uploads.list({ limit: 10 })) {
      assert(await uploads.open(f.id) !== null, `${f.id} is listed, its bytes deleted`);
    }
    // The pruner went first: the upload is refused as expired (410 to the station), not an error (500).
    assertEquals(await outcome, "expired");
    assertEquals(await uploads.list({ limit: 10 }), []);
    assertEquals(await exists(`${dir}/${minted.uploadId}`), false);
  });
});

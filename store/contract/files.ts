/**
 * The FileStore contract, run against every implementation by `security_extension_test.ts`.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import type { DownloadLink, FirmwareImage, UploadedFile, UploadSlot } from "../../model/files.ts";
import { type FileStore, FirmwareStagingLostError, UploadSlotLostError } from "../file_store.ts";
import type { ContractTest } from "./kit.ts";

const T0 = "2024-05-01T10:00:00.000Z";
const LATER = "2024-05-01T10:30:00.000Z";
const EXPIRY = "2024-05-01T11:00:00.000Z";
const AFTER = "2024-05-01T11:00:00.001Z";

function slot(token: string, o: Partial<UploadSlot> = {}): UploadSlot {
  return {
    tokenHash: token,
    uploadId: `upload-${crypto.randomUUID()}`,
    chargePointId: "CP-1",
    kind: "log",
    requestId: 7,
    logType: "SecurityLog",
    maxBytes: 1000,
    createdAt: T0,
    expiresAt: EXPIRY,
    createdBy: "user:alice",
    state: "open",
    ...o,
  };
}

function file(s: UploadSlot, uploadedAt: string, o: Partial<UploadedFile> = {}): UploadedFile {
  return {
    id: s.uploadId,
    chargePointId: s.chargePointId,
    kind: s.kind,
    requestId: s.requestId,
    logType: s.logType,
    fileName: "security.log",
    contentType: "text/plain",
    size: 12,
    sha256: "cd".repeat(32),
    uploadedAt,
    remoteAddress: "127.0.0.1",
    ...o,
  };
}

function firmware(id: string, uploadedAt: string): FirmwareImage {
  return {
    id,
    name: `Volt ${id}`,
    fileName: "volt.bin",
    contentType: "application/octet-stream",
    size: 3,
    sha256: "ef".repeat(32),
    signature: "c2lnbmF0dXJl",
    signingCertificatePem: "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n",
    uploadedBy: "user:root",
    uploadedAt,
  };
}

/** Stages, then records `image`, as FirmwareLibrary does. */
async function recordFirmware(store: FileStore, image: FirmwareImage): Promise<void> {
  await store.beginFirmwareStaging(image.id, image.uploadedAt);
  await store.putFirmware(image);
}

function link(token: string, firmwareId: string, o: Partial<DownloadLink> = {}): DownloadLink {
  return {
    tokenHash: token,
    firmwareId,
    chargePointId: "CP-1",
    createdAt: T0,
    expiresAt: EXPIRY,
    maxDownloads: 2,
    downloads: 0,
    createdBy: "user:bob",
    ...o,
  };
}

export function filesContract(test: ContractTest<FileStore>): void {
  test("an upload slot is claimed once, completed once, and its file is listed", async (store) => {
    const s = slot("t1");
    await store.createUploadSlot(s);
    const claim = await store.claimUploadSlot("t1", "CP-1", LATER, T0);
    assert(claim.ok);
    assertEquals(claim.slot, { ...s, state: "uploading", claimedAt: LATER });
    assertEquals(await store.claimUploadSlot("t1", "CP-1", LATER, T0), { ok: false, reason: "in_progress" });
    const f = file(s, LATER);
    await store.completeUpload("t1", f);
    assertEquals(await store.claimUploadSlot("t1", "CP-1", LATER, T0), { ok: false, reason: "used" });
    assertEquals(await store.getUpload(f.id), f);
    assertEquals(await store.listUploads({ chargePointId: "CP-1", limit: 10 }), [f]);
    let threw = false;
    await store.completeUpload("t1", f).catch((e) => (threw = e instanceof UploadSlotLostError));
    assert(threw, "a used slot cannot be completed again");
  });

  test("a released slot can be claimed again; expired, foreign and unknown tokens are refused", async (store) => {
    await store.createUploadSlot(slot("t1"));
    assert((await store.claimUploadSlot("t1", "CP-1", LATER, T0)).ok);
    await store.releaseUploadSlot("t1");
    assert((await store.claimUploadSlot("t1", "CP-1", LATER, T0)).ok);
    await store.createUploadSlot(slot("t2"));
    assertEquals(await store.claimUploadSlot("t2", "CP-2", LATER, T0), {
      ok: false,
      reason: "wrong_station",
    });
    assertEquals(await store.claimUploadSlot("t2", "CP-1", EXPIRY, T0), { ok: false, reason: "expired" });
    assertEquals(await store.claimUploadSlot("t2", "CP-1", AFTER, T0), { ok: false, reason: "expired" });
    assertEquals(await store.claimUploadSlot("nope", "CP-1", LATER, T0), { ok: false, reason: "unknown" });
    assertEquals(await store.getUpload("upload-none"), null);
  });

  test("a claim older than the lease counts as abandoned: the slot is claimed again, once", async (store) => {
    const crashedAt = "2024-05-01T10:10:00.000Z";
    await store.createUploadSlot(slot("t1"));
    assert((await store.claimUploadSlot("t1", "CP-1", crashedAt, T0)).ok);
    // Within the lease (claimed after staleBefore) it is in progress.
    assertEquals(await store.claimUploadSlot("t1", "CP-1", LATER, T0), { ok: false, reason: "in_progress" });
    const again = await Promise.all(
      Array.from({ length: 4 }, () => store.claimUploadSlot("t1", "CP-1", LATER, crashedAt)),
    );
    assertEquals(again.filter((r) => r.ok).length, 1);
    const won = again.find((r) => r.ok);
    assertEquals(won?.ok && won.slot.claimedAt, LATER);
    assertEquals(await store.claimUploadSlot("t1", "CP-1", LATER, crashedAt), {
      ok: false,
      reason: "in_progress",
    });
  });

  test("of many claims racing on one slot exactly one wins", async (store) => {
    await store.createUploadSlot(slot("race"));
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.claimUploadSlot("race", "CP-1", LATER, T0)),
    );
    assertEquals(results.filter((r) => r.ok).length, 1);
  });

  test("uploads list newest first, fleet-wide and per station", async (store) => {
    const files: UploadedFile[] = [];
    for (const [i, cp] of ["CP-1", "CP-2", "CP-1"].entries()) {
      const s = slot(`t${i}`, { chargePointId: cp, kind: i === 1 ? "diagnostics" : "log" });
      await store.createUploadSlot(s);
      assert((await store.claimUploadSlot(s.tokenHash, cp, LATER, T0)).ok);
      const f = file(s, `2024-05-01T10:3${i}:00.000Z`, i === 1 ? { requestId: null, logType: null } : {});
      await store.completeUpload(s.tokenHash, f);
      files.push(f);
    }
    assertEquals(await store.listUploads({ limit: 10 }), [files[2], files[1], files[0]]);
    assertEquals(await store.listUploads({ limit: 1 }), [files[2]]);
    assertEquals(await store.listUploads({ chargePointId: "CP-1", limit: 10 }), [files[2], files[0]]);
  });

  test("listUploads() pages with before: every upload once, those of one millisecond by id", async (store) => {
    const made: UploadedFile[] = [];
    // Three share a time with others: a cursor of time alone would repeat or skip them.
    const times = [T0, LATER, LATER, LATER, T0, EXPIRY, LATER];
    for (const [i, at] of times.entries()) {
      const s = slot(`p${i}`, { chargePointId: i % 2 === 0 ? "CP-1" : "CP-2" });
      await store.createUploadSlot(s);
      assert((await store.claimUploadSlot(s.tokenHash, s.chargePointId, T0, T0)).ok);
      const f = file(s, at);
      await store.completeUpload(s.tokenHash, f);
      made.push(f);
    }
    const order = (fs: UploadedFile[]) =>
      [...fs].sort((a, b) =>
        a.uploadedAt === b.uploadedAt ? (a.id < b.id ? 1 : -1) : (a.uploadedAt < b.uploadedAt ? 1 : -1)
      );
    for (const chargePointId of [undefined, "CP-1"]) {
      const seen: UploadedFile[] = [];
      let before: { at: string; id: string } | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.listUploads({
          limit: 2,
          ...(chargePointId ? { chargePointId } : {}),
          ...(before ? { before } : {}),
        });
        seen.push(...page);
        const last = page.at(-1);
        if (page.length < 2 || !last) break;
        before = { at: last.uploadedAt, id: last.id };
      }
      assertEquals(seen, order(made.filter((f) => !chargePointId || f.chargePointId === chargePointId)));
    }
  });

  test("firmware images round-trip, list newest first and delete", async (store) => {
    const a = firmware("firmware-a", T0);
    const b = { ...firmware("firmware-b", LATER), signature: null, signingCertificatePem: null };
    await recordFirmware(store, a);
    await recordFirmware(store, b);
    assertEquals(await store.getFirmware("firmware-a"), a);
    assertEquals(await store.listFirmware(10), [b, a]);
    assertEquals(await store.deleteFirmware("firmware-a"), true);
    assertEquals(await store.deleteFirmware("firmware-a"), false);
    assertEquals(await store.listFirmware(10), [b]);
  });

  test("a download link counts downloads up to its limit, for its station, until it expires", async (store) => {
    const f = firmware("firmware-a", T0);
    await recordFirmware(store, f);
    await store.createDownloadLink(link("d1", f.id));
    assertEquals(await store.useDownloadLink("d1", "CP-2", LATER), { ok: false, reason: "wrong_station" });
    const first = await store.useDownloadLink("d1", "CP-1", LATER);
    assert(first.ok);
    assertEquals(first.link.downloads, 1);
    assertEquals(first.firmware, f);
    assert((await store.useDownloadLink("d1", "CP-1", LATER)).ok);
    assertEquals(await store.useDownloadLink("d1", "CP-1", LATER), { ok: false, reason: "exhausted" });
    await store.createDownloadLink(link("d2", f.id));
    assertEquals(await store.useDownloadLink("d2", "CP-1", EXPIRY), { ok: false, reason: "expired" });
    assertEquals(await store.useDownloadLink("zz", "CP-1", LATER), { ok: false, reason: "unknown" });
  });

  test("racing downloads never pass the limit, and a deleted image's links stop working", async (store) => {
    const f = firmware("firmware-a", T0);
    await recordFirmware(store, f);
    await store.createDownloadLink(link("d1", f.id, { maxDownloads: 3 }));
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.useDownloadLink("d1", "CP-1", LATER)),
    );
    assertEquals(results.filter((r) => r.ok).length, 3);
    await store.createDownloadLink(link("d2", f.id));
    await store.deleteFirmware(f.id);
    const after = await store.useDownloadLink("d2", "CP-1", LATER);
    assert(
      !after.ok && (after.reason === "firmware_deleted" || after.reason === "unknown"),
      JSON.stringify(after),
    );
  });

  test("an upload's record is deleted once: gone from get and lists; of racing deletes one gets it", async (store) => {
    const made: UploadedFile[] = [];
    for (const [i, at] of ["2024-05-01T10:31:00.000Z", "2024-05-01T10:32:00.000Z"].entries()) {
      const s = slot(`t${i}`);
      await store.createUploadSlot(s);
      assert((await store.claimUploadSlot(s.tokenHash, "CP-1", LATER, T0)).ok);
      const f = file(s, at);
      await store.completeUpload(s.tokenHash, f);
      made.push(f);
    }
    const [older, newer] = made as [UploadedFile, UploadedFile];
    const deleted = await Promise.all([store.deleteUpload(older.id), store.deleteUpload(older.id)]);
    assertEquals(deleted.filter((d) => d !== null), [older]);
    assertEquals(await store.getUpload(older.id), null);
    assertEquals(await store.listUploads({ limit: 10 }), [newer]);
    assertEquals(await store.listUploads({ chargePointId: "CP-1", limit: 10 }), [newer]);
    assertEquals(await store.listUploadsBefore("2024-05-02T00:00:00.000Z", 10), [newer]);
    assertEquals(await store.deleteUpload(older.id), null);
    assertEquals(await store.deleteUpload("upload-none"), null);
  });

  test("listUploadsBefore() gives the uploads stored before a time, oldest first", async (store) => {
    const made: UploadedFile[] = [];
    for (const [i, cp] of ["CP-1", "CP-2", "CP-1"].entries()) {
      const s = slot(`t${i}`, { chargePointId: cp });
      await store.createUploadSlot(s);
      assert((await store.claimUploadSlot(s.tokenHash, cp, LATER, T0)).ok);
      const f = file(s, `2024-05-01T10:3${i}:00.000Z`);
      await store.completeUpload(s.tokenHash, f);
      made.push(f);
    }
    assertEquals(await store.listUploadsBefore("2024-05-01T10:32:00.000Z", 10), [made[0], made[1]]);
    assertEquals(await store.listUploadsBefore("2024-05-01T10:32:00.001Z", 2), [made[0], made[1]]);
    assertEquals(await store.listUploadsBefore("2024-05-01T10:30:00.000Z", 10), []);
  });

  test("pruneUploadSlots() drops expired slots, never one still being uploaded to; racing pruners share them", async (store) => {
    const past = "2024-05-01T10:20:00.000Z";
    const open = slot("open", { expiresAt: past });
    const used = slot("used", { expiresAt: past });
    const stale = slot("stale", { expiresAt: EXPIRY });
    const live = slot("live", { expiresAt: EXPIRY });
    const fresh = slot("fresh", { expiresAt: "2024-05-01T12:00:00.000Z" });
    for (const s of [open, used, stale, live, fresh]) await store.createUploadSlot(s);
    assert((await store.claimUploadSlot("used", "CP-1", T0, T0)).ok);
    await store.completeUpload("used", file(used, T0));
    assert((await store.claimUploadSlot("stale", "CP-1", "2024-05-01T10:05:00.000Z", T0)).ok);
    assert((await store.claimUploadSlot("live", "CP-1", "2024-05-01T10:50:00.000Z", T0)).ok);

    // At AFTER + a day: the three expired, but "live" was claimed after staleBefore (10:40).
    const expiredBefore = "2024-05-01T11:30:00.000Z";
    const staleBefore = "2024-05-01T10:40:00.000Z";
    const rounds = await Promise.all([
      store.pruneUploadSlots(expiredBefore, staleBefore, 10),
      store.pruneUploadSlots(expiredBefore, staleBefore, 10),
    ]);
    const pruned = rounds.flat().map((s) => `${s.tokenHash} ${s.state}`).sort();
    // The stale upload's slot was put back before its bytes went (no late completion then).
    assertEquals(pruned, ["open open", "stale open", "used used"]);
    for (const token of ["open", "used", "stale"]) {
      assertEquals(await store.claimUploadSlot(token, "CP-1", LATER, T0), { ok: false, reason: "unknown" });
    }
    assertEquals(await store.claimUploadSlot("live", "CP-1", LATER, T0), {
      ok: false,
      reason: "in_progress",
    });
    assert((await store.claimUploadSlot("fresh", "CP-1", LATER, T0)).ok);
    // The record of the file uploaded through a pruned slot stays.
    assertEquals((await store.getUpload(used.uploadId))?.id, used.uploadId);
    // Batches: at most `max` a call.
    await store.releaseUploadSlot("live");
    assertEquals((await store.pruneUploadSlots("2024-05-02T00:00:00.000Z", staleBefore, 1)).length, 1);
    assertEquals((await store.pruneUploadSlots("2024-05-02T00:00:00.000Z", staleBefore, 10)).length, 1);
    assertEquals(await store.pruneUploadSlots("2024-05-02T00:00:00.000Z", staleBefore, 10), []);
  });

  test("pruneUploadSlots() shows the slots to beforeDelete first; when it throws, none is deleted", async (store) => {
    const past = "2024-05-01T10:20:00.000Z";
    for (const token of ["a", "b"]) await store.createUploadSlot(slot(token, { expiresAt: past }));
    const expiredBefore = "2024-05-01T11:30:00.000Z";
    const failing = store.pruneUploadSlots(
      expiredBefore,
      T0,
      10,
      () => Promise.reject(new Error("disk gone")),
    );
    await assertRejects(() => failing, Error, "disk gone");
    const seen: string[] = [];
    const pruned = await store.pruneUploadSlots(expiredBefore, T0, 10, async (due) => {
      // Still there while beforeDelete runs (a crash now leaves them for the next round).
      for (const s of due) {
        seen.push(s.tokenHash);
        assertEquals(await store.claimUploadSlot(s.tokenHash, "CP-1", LATER, T0), {
          ok: false,
          reason: "expired",
        });
      }
    });
    assertEquals(seen.sort(), ["a", "b"]);
    assertEquals(pruned.map((s) => s.tokenHash).sort(), ["a", "b"]);
    assertEquals(await store.pruneUploadSlots(expiredBefore, T0, 10), []);
  });

  test("pruneUploadSlots(): an upload cannot complete once beforeDelete got its slot; one completed first shows used", async (store) => {
    const past = "2024-05-01T10:20:00.000Z";
    const late = slot("late", { expiresAt: past });
    const done = slot("done", { expiresAt: past });
    for (const s of [late, done]) {
      await store.createUploadSlot(s);
      assert((await store.claimUploadSlot(s.tokenHash, "CP-1", "2024-05-01T10:05:00.000Z", T0)).ok);
    }
    await store.completeUpload("done", file(done, T0));
    const shown: string[] = [];
    await store.pruneUploadSlots("2024-05-01T11:30:00.000Z", "2024-05-01T10:40:00.000Z", 10, async (due) => {
      for (const s of due) shown.push(`${s.tokenHash} ${s.state === "used" ? "used" : "not used"}`);
      // The uploader of "late", past its lease, finishing as its bytes are about to be deleted: too late.
      await assertRejects(
        () => store.completeUpload("late", file(late, LATER)),
        UploadSlotLostError,
        "not being uploaded to",
      );
    });
    assertEquals(shown.sort(), ["done used", "late not used"]);
    assertEquals(await store.getUpload(late.uploadId), null);
    assertEquals((await store.getUpload(done.uploadId))?.id, done.uploadId);
  });

  test("pruneDownloadLinks() drops links expired before a time, in batches, once each", async (store) => {
    const f = firmware("firmware-a", T0);
    await recordFirmware(store, f);
    await store.createDownloadLink(link("d1", f.id, { expiresAt: LATER }));
    await store.createDownloadLink(link("d2", f.id, { expiresAt: LATER }));
    await store.createDownloadLink(link("d3", f.id, { expiresAt: "2024-05-01T12:00:00.000Z" }));
    const counts = await Promise.all([
      store.pruneDownloadLinks(EXPIRY, 1),
      store.pruneDownloadLinks(EXPIRY, 1),
      store.pruneDownloadLinks(EXPIRY, 1),
    ]);
    // Racing pruners may leave some for the next round, but never count one twice.
    const rest = await store.pruneDownloadLinks(EXPIRY, 10);
    assertEquals(counts.reduce((a, b) => a + b, 0) + rest, 2);
    assertEquals(await store.useDownloadLink("d1", "CP-1", T0), { ok: false, reason: "unknown" });
    assert((await store.useDownloadLink("d3", "CP-1", LATER)).ok);
    assertEquals(await store.pruneDownloadLinks(EXPIRY, 10), 0);
  });

  test("pruneDownloadLinks() never deletes more than its max, alone or racing", async (store) => {
    const f = firmware("firmware-a", T0);
    await recordFirmware(store, f);
    for (let i = 0; i < 15; i++) await store.createDownloadLink(link(`d${i}`, f.id, { expiresAt: LATER }));
    for (const max of [1, 2, 3]) assertEquals(await store.pruneDownloadLinks(EXPIRY, max), max);
    const maxes = [1, 2, 3, 2, 1];
    const racing = await Promise.all(maxes.map((max) => store.pruneDownloadLinks(EXPIRY, max)));
    racing.forEach((n, i) => assert(n <= maxes[i]!, `${n} deleted with max ${maxes[i]}`));
    const rest = await store.pruneDownloadLinks(EXPIRY, 20);
    assertEquals(6 + racing.reduce((a, b) => a + b, 0) + rest, 15);
  });

  test("a firmware image is recorded only while it is being staged, and recording ends the staging", async (store) => {
    const f = firmware("firmware-a", T0);
    await assertRejects(() => store.putFirmware(f), FirmwareStagingLostError);
    await store.beginFirmwareStaging(f.id, T0);
    await store.putFirmware(f);
    assertEquals(await store.getFirmware(f.id), f);
    await assertRejects(() => store.putFirmware(f), FirmwareStagingLostError, '"firmware-a"');
    // Ended: the sweep finds nothing of it, however old.
    assertEquals(await store.abandonFirmwareStagings("2030-01-01T00:00:00.000Z", 10, LATER), []);
    // A staging ended after a failed upload cannot be recorded either.
    await store.beginFirmwareStaging("firmware-b", T0);
    await store.endFirmwareStaging("firmware-b");
    await store.endFirmwareStaging("firmware-b");
    await assertRejects(() => store.putFirmware(firmware("firmware-b", T0)), FirmwareStagingLostError);
    assertEquals(await store.listFirmware(10), [f]);
  });

  test("abandonFirmwareStagings() takes stagings begun before a time, oldest first, in batches; they cannot be recorded", async (store) => {
    await store.beginFirmwareStaging("firmware-new", LATER);
    await store.beginFirmwareStaging("firmware-old2", "2024-05-01T10:05:00.000Z");
    await store.beginFirmwareStaging("firmware-old1", T0);
    const first = await store.abandonFirmwareStagings("2024-05-01T10:10:00.000Z", 1, LATER);
    assertEquals(first, [{ id: "firmware-old1", startedAt: T0, abandoned: true }]);
    // Abandoned stays abandoned until ended (its bytes deleted): a crashed sweep finds it again.
    const again = await store.abandonFirmwareStagings("2024-05-01T10:10:00.000Z", 10, LATER);
    assertEquals(again.map((s) => s.id), ["firmware-old1", "firmware-old2"]);
    assert(again.every((s) => s.abandoned));
    await assertRejects(() => store.putFirmware(firmware("firmware-old2", T0)), FirmwareStagingLostError);
    for (const s of again) await store.endFirmwareStaging(s.id);
    assertEquals(await store.abandonFirmwareStagings("2024-05-01T10:10:00.000Z", 10, LATER), []);
    // The one begun after the bound is an upload still streaming: recorded as usual.
    const live = firmware("firmware-new", LATER);
    await store.putFirmware(live);
    assertEquals(await store.getFirmware(live.id), live);
  });

  test("abandonFirmwareStagings() never returns more than its max, alone or racing", async (store) => {
    const at = (i: number) => `2024-05-01T10:00:${String(i).padStart(2, "0")}.000Z`;
    for (let i = 0; i < 12; i++) await store.beginFirmwareStaging(`firmware-${i}`, at(i));
    for (const max of [1, 2, 3]) {
      const taken = await store.abandonFirmwareStagings(LATER, max, LATER);
      assertEquals(taken.map((s) => s.id), Array.from({ length: max }, (_, i) => `firmware-${i}`));
    }
    const racing = await Promise.all(
      [1, 2, 3, 2, 1].map((max) => store.abandonFirmwareStagings(LATER, max, LATER)),
    );
    racing.forEach((taken, i) => assert(taken.length <= [1, 2, 3, 2, 1][i]!, `${taken.length} taken`));
    assertEquals((await store.abandonFirmwareStagings(LATER, 20, LATER)).length, 12);
  });

  test("abandonFirmwareStagings() passes over a postponed staging until its retry time, so the ones behind it come", async (store) => {
    const at = (i: number) => `2024-05-01T10:00:0${i}.000Z`;
    for (let i = 0; i < 3; i++) await store.beginFirmwareStaging(`firmware-${i}`, at(i));
    const first = await store.abandonFirmwareStagings(LATER, 2, LATER);
    assertEquals(first.map((s) => s.id), ["firmware-0", "firmware-1"]);
    // Their bytes could not be deleted: postponed until EXPIRY.
    for (const s of first) await store.postponeFirmwareStaging(s.id, EXPIRY);
    await store.postponeFirmwareStaging("firmware-none", EXPIRY);
    assertEquals(await store.abandonFirmwareStagings(LATER, 2, LATER), [
      { id: "firmware-2", startedAt: at(2), abandoned: true },
    ]);
    await store.endFirmwareStaging("firmware-2");
    assertEquals(await store.abandonFirmwareStagings(LATER, 2, "2024-05-01T10:59:59.999Z"), []);
    // Still abandoned meanwhile: never recorded.
    await assertRejects(() => store.putFirmware(firmware("firmware-0", at(0))), FirmwareStagingLostError);
    assertEquals(await store.abandonFirmwareStagings(LATER, 2, EXPIRY), [
      { id: "firmware-0", startedAt: at(0), abandoned: true },
      { id: "firmware-1", startedAt: at(1), abandoned: true },
    ]);
  });

  test("deleting a firmware image leaves its bytes to delete as an abandoned staging", async (store) => {
    const f = firmware("firmware-a", T0);
    await recordFirmware(store, f);
    assertEquals(await store.deleteFirmware(f.id), true);
    // Whatever the bound: a deleted image's bytes are due at once.
    assertEquals(await store.abandonFirmwareStagings(T0, 10, LATER), [{
      id: f.id,
      startedAt: T0,
      abandoned: true,
    }]);
    await store.endFirmwareStaging(f.id);
    assertEquals(await store.abandonFirmwareStagings(T0, 10, LATER), []);
    assertEquals(await store.deleteFirmware(f.id), false);
  });
}

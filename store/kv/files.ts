/**
 * The FileStore on Deno KV. Keys:
 * - `["upload_slot", tokenHash]`: a one-time upload URL (pruned a day after the slot expires; KV drops it after two);
 * - `["upload", id]` with pointers `["upload_by_time", uploadedAt, id]`, `["upload_by_cp", cp, uploadedAt, id]`;
 * - `["firmware", id]` with `["firmware_by_time", uploadedAt, id]`;
 * - `["firmware_staging", id]`: an image whose bytes are being staged, or whose bytes are to be deleted (with
 *   `retryAfter` once the sweep failed to);
 * - `["download_link", tokenHash]`.
 * Slot and link changes are checked atomics (compare-and-set on the entry's versionstamp), retried on conflict.
 */
import type { ListCursor } from "../../model/list_cursor.ts";
import type {
  DownloadLink,
  FirmwareImage,
  FirmwareStaging,
  LinkUse,
  SlotClaim,
  UploadedFile,
  UploadSlot,
} from "../../model/files.ts";
import { linkRefusal, slotRefusal } from "../../model/files.ts";
import { type FileStore, FirmwareStagingLostError, UploadSlotLostError } from "../file_store.ts";
import { changeEntry } from "./kv_helpers.ts";

const SLOT = "upload_slot";
const UPLOAD = "upload";
const UPLOAD_BY_TIME = "upload_by_time";
const UPLOAD_BY_CP = "upload_by_cp";
const FIRMWARE = "firmware";
const FIRMWARE_BY_TIME = "firmware_by_time";
const FIRMWARE_STAGING = "firmware_staging";
const LINK = "download_link";
/**
 * KV drops slots and links two days past their expiry: a backstop. Retention prunes them a day past it
 * (files/file_retention.ts), first, so that it also drops what an unfinished upload left of its bytes.
 */
const GRACE_MS = 2 * 24 * 3600_000;
/** Deletions in flight at once when pruning (each its own checked atomic). */
const PRUNE_IN_FLIGHT = 100;

/** A staging as stored: `retryAfter`, set when the sweep failed to delete its bytes, is the store's own. */
interface StoredStaging extends FirmwareStaging {
  retryAfter?: string;
}

export class KvFileStore implements FileStore {
  readonly #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async createUploadSlot(slot: UploadSlot): Promise<void> {
    const res = await this.#kv.atomic()
      .check({ key: [SLOT, slot.tokenHash], versionstamp: null })
      .set([SLOT, slot.tokenHash], slot, { expireIn: ttl(slot.expiresAt, slot.createdAt) })
      .commit();
    if (!res.ok) throw new Error("Cannot create the upload slot: its token is taken");
  }

  async claimUploadSlot(
    tokenHash: string,
    chargePointId: string,
    at: string,
    staleBefore: string,
  ): Promise<SlotClaim> {
    for (;;) {
      const entry = await this.#kv.get<UploadSlot>([SLOT, tokenHash]);
      const slot = entry.value;
      if (slot === null) return { ok: false, reason: "unknown" };
      const refusal = slotRefusal(slot, chargePointId, at, staleBefore);
      if (refusal !== null) return { ok: false, reason: refusal };
      const claimed: UploadSlot = { ...slot, state: "uploading", claimedAt: at };
      const res = await this.#kv.atomic().check(entry).set(entry.key, claimed, {
        expireIn: ttl(slot.expiresAt, at),
      }).commit();
      if (res.ok) return { ok: true, slot: claimed };
    }
  }

  async releaseUploadSlot(tokenHash: string): Promise<void> {
    await this.#updateSlot(
      tokenHash,
      (slot) => slot.state === "uploading" ? { ...slot, state: "open", claimedAt: null } : null,
    );
  }

  async completeUpload(tokenHash: string, file: UploadedFile): Promise<void> {
    for (;;) {
      const entry = await this.#kv.get<UploadSlot>([SLOT, tokenHash]);
      if (entry.value === null || entry.value.state !== "uploading") {
        throw new UploadSlotLostError(file.id);
      }
      const res = await this.#kv.atomic()
        .check(entry)
        .set(entry.key, { ...entry.value, state: "used" }, {
          expireIn: ttl(entry.value.expiresAt, file.uploadedAt),
        })
        .set([UPLOAD, file.id], file)
        .set([UPLOAD_BY_TIME, file.uploadedAt, file.id], true)
        .set([UPLOAD_BY_CP, file.chargePointId, file.uploadedAt, file.id], true)
        .commit();
      if (res.ok) return;
    }
  }

  async getUpload(id: string): Promise<UploadedFile | null> {
    return (await this.#kv.get<UploadedFile>([UPLOAD, id])).value;
  }

  async listUploads(
    query: { chargePointId?: string; limit: number; before?: ListCursor },
  ): Promise<UploadedFile[]> {
    const prefix = query.chargePointId === undefined ? [UPLOAD_BY_TIME] : [UPLOAD_BY_CP, query.chargePointId];
    // The index key ends (uploadedAt, id): the keys below the cursor's are the next page.
    const end = query.before === undefined ? undefined : [...prefix, query.before.at, query.before.id];
    return await this.#listByIndex<UploadedFile>(prefix, UPLOAD, query.limit, end);
  }

  async listUploadsBefore(before: string, limit: number): Promise<UploadedFile[]> {
    const ids: string[] = [];
    const selector = { start: [UPLOAD_BY_TIME], end: [UPLOAD_BY_TIME, before] };
    for await (const entry of this.#kv.list(selector, { limit })) ids.push(entry.key[2] as string);
    return await this.#records<UploadedFile>(ids, UPLOAD);
  }

  async deleteUpload(id: string): Promise<UploadedFile | null> {
    for (;;) {
      const entry = await this.#kv.get<UploadedFile>([UPLOAD, id]);
      const file = entry.value;
      if (file === null) return null;
      const res = await this.#kv.atomic().check(entry).delete(entry.key)
        .delete([UPLOAD_BY_TIME, file.uploadedAt, id])
        .delete([UPLOAD_BY_CP, file.chargePointId, file.uploadedAt, id])
        .commit();
      if (res.ok) return file;
    }
  }

  /** KV has no index by expiry: every slot is looked at (KV itself drops them two days past expiry). */
  async pruneUploadSlots(
    expiredBefore: string,
    staleBefore: string,
    max: number,
    beforeDelete?: (slots: UploadSlot[]) => Promise<void>,
  ): Promise<UploadSlot[]> {
    return await this.#prune<UploadSlot>(
      SLOT,
      max,
      (slot) =>
        slot.expiresAt < expiredBefore &&
        !(slot.state === "uploading" && slot.claimedAt && slot.claimedAt > staleBefore),
      beforeDelete,
      // A stale upload's slot is put back first (expired: never claimed again), so an uploader still finishing
      // cannot complete it once its bytes may go; one that completed meanwhile fails the check and is left
      // to the next round, with its bytes.
      (slot) => slot.state === "uploading" ? { ...slot, state: "open", claimedAt: null } : null,
    );
  }

  async pruneDownloadLinks(expiredBefore: string, max: number): Promise<number> {
    return (await this.#prune<DownloadLink>(LINK, max, (link) => link.expiresAt < expiredBefore)).length;
  }

  /**
   * Deletes at most `max` entries under `prefix` that `due` picks, each only if unchanged since read (a
   * racing pruner or a claim wins it), after `beforeDelete` has seen them all; the values deleted. An entry
   * `fence` rewrites is rewritten (checked) before `beforeDelete` sees it; one changed meanwhile is left.
   */
  async #prune<T>(
    prefix: string,
    max: number,
    due: (value: T) => boolean,
    beforeDelete?: (values: T[]) => Promise<void>,
    fence: (value: T) => T | null = () => null,
  ): Promise<T[]> {
    const listed: Deno.KvEntry<T>[] = [];
    for await (const entry of this.#kv.list<T>({ prefix: [prefix] }, { batchSize: 500 })) {
      if (due(entry.value)) listed.push(entry);
      if (listed.length >= max) break;
    }
    const picked: Deno.KvEntry<T>[] = [];
    for (const entry of listed) {
      const fenced = fence(entry.value);
      if (fenced === null) {
        picked.push(entry);
        continue;
      }
      // Kept without expiry: it is deleted below, or found again by the next round.
      const res = await this.#kv.atomic().check(entry).set(entry.key, fenced).commit();
      if (res.ok) picked.push({ ...entry, value: fenced, versionstamp: res.versionstamp });
    }
    if (picked.length > 0) await beforeDelete?.(picked.map((entry) => entry.value));
    const deleted: T[] = [];
    for (let i = 0; i < picked.length; i += PRUNE_IN_FLIGHT) {
      // One entry per check: a batch whose entry changed would fail whole; singly, only that one is skipped.
      await Promise.all(
        picked.slice(i, i + PRUNE_IN_FLIGHT).map(async (entry) => {
          const res = await this.#kv.atomic().check(entry).delete(entry.key).commit();
          if (res.ok) deleted.push(entry.value);
        }),
      );
    }
    return deleted;
  }

  async beginFirmwareStaging(id: string, startedAt: string): Promise<void> {
    const staging: FirmwareStaging = { id, startedAt, abandoned: false };
    const res = await this.#kv.atomic()
      .check({ key: [FIRMWARE_STAGING, id], versionstamp: null })
      .check({ key: [FIRMWARE, id], versionstamp: null })
      .set([FIRMWARE_STAGING, id], staging)
      .commit();
    if (!res.ok) throw new Error(`Cannot stage firmware "${id}": the id is taken`);
  }

  async putFirmware(image: FirmwareImage): Promise<void> {
    for (;;) {
      const staging = await this.#kv.get<FirmwareStaging>([FIRMWARE_STAGING, image.id]);
      if (staging.value === null || staging.value.abandoned) throw new FirmwareStagingLostError(image.id);
      const res = await this.#kv.atomic()
        .check(staging)
        .delete(staging.key)
        .set([FIRMWARE, image.id], image)
        .set([FIRMWARE_BY_TIME, image.uploadedAt, image.id], true)
        .commit();
      if (res.ok) return;
    }
  }

  async endFirmwareStaging(id: string): Promise<void> {
    await this.#kv.delete([FIRMWARE_STAGING, id]);
  }

  /** Stagings are few (uploads in progress, or bytes left to delete): all are looked at. */
  async abandonFirmwareStagings(startedBefore: string, max: number, at: string): Promise<FirmwareStaging[]> {
    const entries: Deno.KvEntry<StoredStaging>[] = [];
    for await (const entry of this.#kv.list<StoredStaging>({ prefix: [FIRMWARE_STAGING] })) {
      const { abandoned, startedAt, retryAfter } = entry.value;
      const postponed = retryAfter !== undefined && retryAfter > at;
      if ((abandoned || startedAt < startedBefore) && !postponed) entries.push(entry);
    }
    entries.sort((a, b) => a.value.startedAt.localeCompare(b.value.startedAt));
    const abandoned: FirmwareStaging[] = [];
    for (const entry of entries.slice(0, max)) {
      const marked: FirmwareStaging = {
        id: entry.value.id,
        startedAt: entry.value.startedAt,
        abandoned: true,
      };
      if (entry.value.abandoned) {
        abandoned.push(marked);
        continue;
      }
      // Checked: an upload recording it meanwhile wins, and its bytes stay.
      const res = await this.#kv.atomic().check(entry).set(entry.key, marked).commit();
      if (res.ok) abandoned.push(marked);
    }
    return abandoned;
  }

  async postponeFirmwareStaging(id: string, retryAfter: string): Promise<void> {
    await changeEntry<StoredStaging>(
      this.#kv,
      [FIRMWARE_STAGING, id],
      `postpone firmware staging "${id}"`,
      (staging) => staging === null ? undefined : { ...staging, retryAfter },
    );
  }

  async getFirmware(id: string): Promise<FirmwareImage | null> {
    return (await this.#kv.get<FirmwareImage>([FIRMWARE, id])).value;
  }

  async listFirmware(limit: number): Promise<FirmwareImage[]> {
    return await this.#listByIndex<FirmwareImage>([FIRMWARE_BY_TIME], FIRMWARE, limit);
  }

  async deleteFirmware(id: string): Promise<boolean> {
    for (;;) {
      const entry = await this.#kv.get<FirmwareImage>([FIRMWARE, id]);
      if (entry.value === null) return false;
      const bytes: FirmwareStaging = { id, startedAt: entry.value.uploadedAt, abandoned: true };
      const res = await this.#kv.atomic().check(entry).delete(entry.key)
        .delete([FIRMWARE_BY_TIME, entry.value.uploadedAt, id])
        .set([FIRMWARE_STAGING, id], bytes)
        .commit();
      if (res.ok) return true;
    }
  }

  async createDownloadLink(link: DownloadLink): Promise<void> {
    const res = await this.#kv.atomic()
      .check({ key: [LINK, link.tokenHash], versionstamp: null })
      .set([LINK, link.tokenHash], link, { expireIn: ttl(link.expiresAt, link.createdAt) })
      .commit();
    if (!res.ok) throw new Error("Cannot create the download link: its token is taken");
  }

  async useDownloadLink(
    tokenHash: string,
    chargePointId: string,
    at: string,
  ): Promise<LinkUse> {
    for (;;) {
      const entry = await this.#kv.get<DownloadLink>([LINK, tokenHash]);
      const link = entry.value;
      if (link === null) return { ok: false, reason: "unknown" };
      const refusal = linkRefusal(link, chargePointId, at);
      if (refusal !== null) return { ok: false, reason: refusal };
      const firmware = await this.getFirmware(link.firmwareId);
      if (firmware === null) return { ok: false, reason: "firmware_deleted" };
      const used = { ...link, downloads: link.downloads + 1 };
      const res = await this.#kv.atomic().check(entry).set(entry.key, used, {
        expireIn: ttl(link.expiresAt, at),
      })
        .commit();
      if (res.ok) return { ok: true, link: used, firmware };
    }
  }

  async #updateSlot(tokenHash: string, change: (slot: UploadSlot) => UploadSlot | null): Promise<void> {
    for (;;) {
      const entry = await this.#kv.get<UploadSlot>([SLOT, tokenHash]);
      if (entry.value === null) return;
      const next = change(entry.value);
      if (next === null) return;
      const res = await this.#kv.atomic().check(entry).set(entry.key, next, {
        expireIn: ttl(next.expiresAt, next.createdAt),
      }).commit();
      if (res.ok) return;
    }
  }

  /** Newest first by the index under `prefix`; only the keys below `end` when given. */
  async #listByIndex<T>(
    prefix: Deno.KvKey,
    recordPrefix: string,
    limit: number,
    end?: Deno.KvKey,
  ): Promise<T[]> {
    const ids: string[] = [];
    const selector: Deno.KvListSelector = end === undefined ? { prefix } : { prefix, end };
    for await (const entry of this.#kv.list(selector, { reverse: true, limit })) {
      ids.push(entry.key[entry.key.length - 1] as string);
    }
    return await this.#records<T>(ids, recordPrefix);
  }

  /** The records `[recordPrefix, id]` of `ids` that exist, in order. */
  async #records<T>(ids: string[], recordPrefix: string): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      const entries = await this.#kv.getMany<T[]>(ids.slice(i, i + 10).map((id) => [recordPrefix, id]));
      for (const e of entries) if (e.value !== null) out.push(e.value);
    }
    return out;
  }
}

/** KV expiry for a record valid until `expiresAt`: that plus the grace, counted from `from`, at least a minute. */
function ttl(expiresAt: string, from: string): number {
  return Math.max(60_000, Date.parse(expiresAt) - Date.parse(from) + GRACE_MS);
}

/**
 * Records about files (see model/files.ts): one-time upload slots and the files stations uploaded, firmware
 * images and their download links. The bytes are in a BlobStore (`blob_store.ts`). Implemented on Deno KV
 * (`kv/files.ts`) and PostgreSQL (`postgres/files.ts`, migration 009); one contract suite (`contract/files.ts`).
 *
 * Slot and link use is atomic: two uploads racing on one URL, or downloads racing past the limit, cannot both
 * win.
 */
import type { ListCursor } from "../model/list_cursor.ts";
import type {
  DownloadLink,
  FirmwareImage,
  FirmwareStaging,
  LinkUse,
  SlotClaim,
  UploadedFile,
  UploadSlot,
} from "../model/files.ts";

export interface FileStore {
  createUploadSlot(slot: UploadSlot): Promise<void>;
  /**
   * Moves an open slot to `uploading` (with `claimedAt` = `at`) when it belongs to `chargePointId` and has not
   * expired at `at`; an `uploading` slot claimed at or before `staleBefore` counts as open (abandoned);
   * otherwise says why not (an unknown token and another station's token are told apart only here, for the
   * security log; the HTTP answer is the same).
   */
  claimUploadSlot(
    tokenHash: string,
    chargePointId: string,
    at: string,
    staleBefore: string,
  ): Promise<SlotClaim>;
  /** Puts an `uploading` slot back to `open` (the transfer failed; the station may retry). */
  releaseUploadSlot(tokenHash: string): Promise<void>;
  /**
   * Marks the slot `used` and stores the file's record, together. Throws UploadSlotLostError when the slot is
   * not `uploading` (nothing is stored then).
   */
  completeUpload(tokenHash: string, file: UploadedFile): Promise<void>;
  getUpload(id: string): Promise<UploadedFile | null>;
  /**
   * Newest first (uploadedAt, then id, both descending), at most `limit`, one station's when given; with
   * `before`, only those after it in that order (the next page).
   */
  listUploads(query: { chargePointId?: string; limit: number; before?: ListCursor }): Promise<UploadedFile[]>;
  /** Oldest first: at most `limit` uploads stored before `before` (retention). */
  listUploadsBefore(before: string, limit: number): Promise<UploadedFile[]>;
  /** Deletes an upload's record; it, or null when there was none (two deleters: one gets it). */
  deleteUpload(id: string): Promise<UploadedFile | null>;
  /**
   * Deletes at most `max` slots that expired before `expiredBefore`, never one an upload may still be
   * streaming into (`uploading`, claimed after `staleBefore`); the slots deleted (racing pruners never
   * delete one twice). `beforeDelete` gets the slots about to be deleted first: when it throws (or the
   * process dies in it), none of them is deleted, so what it cleans up (their bytes) is found again. A stale
   * upload's slot is put back (`open`) before: an uploader finishing late cannot complete it while its bytes
   * are deleted; a slot it completed first reaches `beforeDelete` as `used`.
   */
  pruneUploadSlots(
    expiredBefore: string,
    staleBefore: string,
    max: number,
    beforeDelete?: (slots: UploadSlot[]) => Promise<void>,
  ): Promise<UploadSlot[]>;

  /** Notes that the bytes of image `id` are being staged (before the first byte is written). */
  beginFirmwareStaging(id: string, startedAt: string): Promise<void>;
  /**
   * Records a staged image and ends its staging, together. Throws FirmwareStagingLostError when `image.id` is
   * not being staged (never begun, ended, or abandoned by the sweep, which deletes its bytes).
   */
  putFirmware(image: FirmwareImage): Promise<void>;
  /** Ends a staging whose bytes are gone (deleted after a failed upload or by the sweep); no error if none. */
  endFirmwareStaging(id: string): Promise<void>;
  /**
   * Marks the stagings begun before `startedBefore` abandoned (recording them is refused from now on) and
   * returns at most `max` abandoned ones, oldest first: their bytes are to be deleted, then their staging
   * ended. One postponed (`postponeFirmwareStaging`) past `at` is passed over.
   */
  abandonFirmwareStagings(startedBefore: string, max: number, at: string): Promise<FirmwareStaging[]>;
  /**
   * The sweep could not delete staging `id`'s bytes: `abandonFirmwareStagings` passes over it until
   * `retryAfter`, so the stagings behind it get their turn. No error if none.
   */
  postponeFirmwareStaging(id: string, retryAfter: string): Promise<void>;
  getFirmware(id: string): Promise<FirmwareImage | null>;
  /** Newest first. */
  listFirmware(limit: number): Promise<FirmwareImage[]>;
  /**
   * False when there was none. Its links stop working, and its bytes are left as an abandoned staging (with
   * the delete, together), so that a crash before the caller deletes them leaves them to the sweep.
   */
  deleteFirmware(id: string): Promise<boolean>;
  createDownloadLink(link: DownloadLink): Promise<void>;
  /** Deletes at most `max` links that expired before `expiredBefore`; how many. */
  pruneDownloadLinks(expiredBefore: string, max: number): Promise<number>;
  /** Counts one download when the link is for `chargePointId`, unexpired at `at` and not used up. */
  useDownloadLink(
    tokenHash: string,
    chargePointId: string,
    at: string,
  ): Promise<LinkUse>;
}

/** Completing an upload whose slot is no longer being uploaded to (retention took it past its lease). */
export class UploadSlotLostError extends Error {
  override name = "UploadSlotLostError";
  constructor(readonly id: string) {
    super(`Cannot complete upload "${id}": its slot is not being uploaded to`);
  }
}

/** Recording a staged image that is not being staged (its staging was abandoned and its bytes swept). */
export class FirmwareStagingLostError extends Error {
  override name = "FirmwareStagingLostError";
  constructor(readonly id: string) {
    super(`Cannot record firmware "${id}": its staging was abandoned or ended`);
  }
}

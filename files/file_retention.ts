/**
 * Retention of station files and file URLs: deletes uploaded files (record and bytes) older than
 * UPLOAD_RETENTION_DAYS (0 keeps them), and upload slots and firmware download links a day after they expired
 * (until then a late attempt is told "expired" or "used", not "unknown"). Firmware images are never deleted
 * here: operators delete them (`DELETE /api/v1/firmware/{id}`), as a campaign may still need one. What is
 * deleted here of firmware is the bytes no image record leads to: those of a staging older than any upload may
 * take (a crash between the bytes and the record), or of an image whose delete did not get to its bytes.
 *
 * Several processes on one database: a round runs only while this process holds the lease (`lease()`, the
 * fleet's named leases, as the other retention does). What it deletes cannot be in use by a writer: a file's
 * record exists only once its bytes are complete, and a slot an upload may still stream into (claimed within
 * its lease) is never pruned. Deletes are idempotent and each row is deleted by one pruner only, so a round
 * that overlaps another process's (a lease that ran out mid-round) makes no error.
 *
 * @example
 * ```ts ignore
 * const retention = new FileRetention({ uploads, firmware, now, lease: () => leases.acquireLease(...), warn,
 *   settings: { uploadRetentionMs: 30 * 86_400_000, batch: 500 } });
 * const deleted = await retention.tick(); // { uploads: 3, uploadSlots: 40, downloadLinks: 2, ... }, or null
 * ```
 */
import type { FirmwareLibrary } from "./firmware.ts";
import type { StationUploads } from "./uploads.ts";

/** How long past its expiry a URL's row is kept (KV's own expiry of them is a day later still). */
export const URL_ROW_GRACE_MS = 24 * 3600_000;

export interface FileRetentionSettings {
  /** Uploaded files older than this are deleted; 0 keeps them. */
  uploadRetentionMs: number;
  /** Rows per call to the store. */
  batch: number;
  /** Pause between batches, so the store keeps serving stations. */
  pauseMs?: number;
}

export interface FileRetentionDeps {
  uploads: Pick<StationUploads, "pruneFiles" | "pruneSlots">;
  firmware: Pick<FirmwareLibrary, "pruneLinks" | "pruneStaged">;
  now: () => Date;
  /** Takes (or renews) the cluster-wide lease of this sweep; false when another process holds it. */
  lease: () => Promise<boolean>;
  /** Told of what a round skipped (firmware bytes the blob store failed to delete), to log it. */
  warn: (message: string, fields: Record<string, unknown>) => void;
  settings: FileRetentionSettings;
}

export interface FilesPruned {
  uploads: number;
  uploadSlots: number;
  downloadLinks: number;
  /** Firmware bytes no image leads to (abandoned stagings). */
  stagedFirmware: number;
}

export class FileRetention {
  constructor(private readonly deps: FileRetentionDeps) {}

  /** One round; what was deleted, or null when another process holds the lease. */
  async tick(): Promise<FilesPruned | null> {
    if (!await this.deps.lease()) return null;
    const { uploads, firmware, settings } = this.deps;
    const now = this.deps.now().getTime();
    const urlsBefore = new Date(now - URL_ROW_GRACE_MS).toISOString();
    const filesBefore = new Date(now - settings.uploadRetentionMs).toISOString();
    const all = (deleted: number) => ({ deleted, taken: deleted });
    return {
      uploads: settings.uploadRetentionMs > 0
        ? await this.#inBatches(async (max) => all(await uploads.pruneFiles(filesBefore, max)))
        : 0,
      uploadSlots: await this.#inBatches(async (max) => all(await uploads.pruneSlots(urlsBefore, max))),
      downloadLinks: await this.#inBatches(async (max) => all(await firmware.pruneLinks(urlsBefore, max))),
      // Postponed bytes fill a batch too: the next call passes over them, so asking again makes progress.
      stagedFirmware: await this.#inBatches(async (max) => {
        const pruned = await firmware.pruneStaged(
          max,
          (id, error, retryAfter) =>
            this.deps.warn("firmware bytes not deleted: tried again later", {
              firmwareId: id,
              error: error instanceof Error ? error.message : String(error),
              retryAfter,
            }),
        );
        return { deleted: pruned.deleted, taken: pruned.deleted + pruned.postponed };
      }),
    };
  }

  /** Calls `prune` until a call takes less than a batch; the total deleted. */
  async #inBatches(prune: (max: number) => Promise<{ deleted: number; taken: number }>): Promise<number> {
    const { batch, pauseMs = 50 } = this.deps.settings;
    let total = 0;
    for (;;) {
      const { deleted, taken } = await prune(batch);
      total += deleted;
      if (taken < batch) return total;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

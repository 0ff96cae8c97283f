/**
 * Firmware images for stations: operators upload an image (with, for SignedUpdateFirmware, its base64
 * signature and PEM signing certificate); for one station at a time they get an expiring URL that the station
 * downloads from a limited number of times (its retries). The station checks the signature (OCPP 1.6 Security
 * Whitepaper ed. 3, use case L01); we check that the certificate is one and that the signature is base64.
 *
 * An image's bytes are staged (stored before the form around them is read to its end) under a staging noted
 * in the FileStore before the first byte: recording the image ends it, a failed upload deletes the bytes and
 * then ends it, and `pruneStaged` (retention) deletes the bytes of a staging older than any upload may take,
 * which is what a crash between the bytes and the record leaves. Blob stores cannot list their blobs, so
 * without the staging nothing would lead to those bytes.
 */
import type { DownloadRefusal, FirmwareImage } from "../model/files.ts";
import { isPemCertificates } from "../pki/certificate_text.ts";
import { type BlobStore, BlobTooLargeError } from "../store/blob_store.ts";
import { type FileStore, FirmwareStagingLostError } from "../store/file_store.ts";
import { Slots } from "../model/slots.ts";
import { measure, safeFileName } from "./measure.ts";
import { MIN_UPLOAD_BYTES_PER_S } from "./uploads.ts";
import { hashUrlToken, isUrlToken, newUrlToken } from "./tokens.ts";

export interface FirmwareSettings {
  maxBytes: number;
  /** How long a download URL works. */
  linkTtlMs: number;
  /** Downloads per URL (a station's retries). */
  maxDownloads: number;
  /** An upload that sends nothing for this long is cut off (and its bytes dropped). */
  idleMs: number;
  /** Uploads streaming in at once, on this process; more are refused until one ends. */
  maxConcurrent: number;
}

/**
 * The longest an image upload may take: the idle timeout plus a max-size image at the slowest rate a station
 * upload may have (as `claimLeaseMs`). The upload route cuts a body off then, whatever else its form holds,
 * so a staging older than this has no upload behind it any more (its process died) and the sweep deletes its
 * bytes.
 */
export function firmwareUploadLeaseMs(settings: Pick<FirmwareSettings, "idleMs" | "maxBytes">): number {
  return settings.idleMs + Math.ceil(settings.maxBytes / MIN_UPLOAD_BYTES_PER_S * 1000);
}

/**
 * How long the sweep leaves bytes it failed to delete before trying again: meanwhile it passes over their
 * staging, so however many the blob store refuses, the stagings behind them are reached.
 */
export const STAGED_RETRY_MS = 3600_000;

/** What one `pruneStaged` call did: bytes deleted (stagings ended) and bytes postponed (their delete failed). */
export interface StagedPruned {
  deleted: number;
  postponed: number;
}

/** The form fields around an image (name, signature, signing certificate) and multipart framing. */
export const FORM_SLACK_BYTES = 1024 * 1024;

/** What an operator says of an image they upload. */
export interface FirmwareUpload {
  name: string;
  fileName: string | null;
  contentType: string | null;
  signature: string | null;
  signingCertificatePem: string | null;
  uploadedBy: string;
}

/** An image's bytes in storage, not yet listed (`FirmwareLibrary.stage`). */
export interface StagedImage {
  id: string;
  size: number;
  sha256: string;
}

export type AddFirmwareResult =
  | { ok: true; image: FirmwareImage }
  | { ok: false; reason: "too_large" | "invalid" | "stalled"; message: string };

export class FirmwareLibrary {
  readonly #files: FileStore;
  readonly #blobs: BlobStore;
  readonly #now: () => Date;
  readonly settings: FirmwareSettings;
  /** Uploads streaming in now (`settings.maxConcurrent` at once). */
  readonly #uploads: Slots;

  constructor(deps: { files: FileStore; blobs: BlobStore; now: () => Date; settings: FirmwareSettings }) {
    this.#files = deps.files;
    this.#blobs = deps.blobs;
    this.#now = deps.now;
    this.settings = deps.settings;
    this.#uploads = new Slots(deps.settings.maxConcurrent);
  }

  /**
   * A place for one upload among `settings.maxConcurrent`: the function that gives it back (call it once, when
   * the upload ended), or null when all are taken.
   */
  admitUpload(): (() => void) | null {
    return this.#uploads.acquire();
  }

  /** Checks the signing data, stores the image as it streams in, then records it. */
  async add(upload: FirmwareUpload & { body: ReadableStream<Uint8Array> }): Promise<AddFirmwareResult> {
    const problem = signingProblem(upload.signature, upload.signingCertificatePem);
    if (problem !== null) {
      await upload.body.cancel().catch(() => {});
      return { ok: false, reason: "invalid", message: problem };
    }
    const staged = await this.stage(upload.body);
    return staged.ok ? await this.record(staged.image, upload) : staged;
  }

  /**
   * Streams an image's bytes into storage (up to `settings.maxBytes`), not yet listed: `record` lists it,
   * `discard` drops it. A form's fields may arrive after its file, so the bytes are stored before they are
   * known. The staging is noted before the first byte; a failed write drops the bytes and the staging.
   */
  async stage(
    body: ReadableStream<Uint8Array>,
  ): Promise<{ ok: true; image: StagedImage } | { ok: false; reason: "too_large"; message: string }> {
    const id = `firmware-${crypto.randomUUID()}`;
    try {
      await this.#files.beginFirmwareStaging(id, this.#now().toISOString());
    } catch (error) {
      await body.cancel().catch(() => {});
      throw error;
    }
    const measured = measure(body);
    try {
      await this.#blobs.write(id, measured.chunks, this.settings.maxBytes);
    } catch (error) {
      await body.cancel().catch(() => {});
      await this.discard({ id });
      if (error instanceof BlobTooLargeError) {
        return { ok: false, reason: "too_large", message: error.message };
      }
      throw error;
    }
    return { ok: true, image: { id, ...measured.result() } };
  }

  /** Lists a staged image with what the operator said of it; a refused one is discarded. */
  async record(staged: StagedImage, upload: FirmwareUpload): Promise<AddFirmwareResult> {
    const problem = staged.size === 0
      ? "The firmware image is empty (0 bytes)"
      : signingProblem(upload.signature, upload.signingCertificatePem);
    if (problem !== null) {
      await this.discard(staged);
      return { ok: false, reason: "invalid", message: problem };
    }
    const image: FirmwareImage = {
      id: staged.id,
      name: upload.name,
      fileName: safeFileName(upload.fileName, "firmware.bin"),
      contentType: upload.contentType?.split(";")[0]?.trim() || "application/octet-stream",
      size: staged.size,
      sha256: staged.sha256,
      signature: upload.signature,
      signingCertificatePem: upload.signingCertificatePem,
      uploadedBy: upload.uploadedBy,
      uploadedAt: this.#now().toISOString(),
    };
    try {
      await this.#files.putFirmware(image);
    } catch (error) {
      if (error instanceof FirmwareStagingLostError) {
        // The sweep took the staging (the upload outlived its lease) and deleted the bytes, but bytes this
        // upload stored after that delete (a blob store's last chunk and row) nothing leads to any more: the id
        // is this upload's alone, so deleting them again is safe.
        await this.#blobs.delete(staged.id).catch(() => {});
        return {
          ok: false,
          reason: "stalled",
          message: `The upload took longer than ${firmwareUploadLeaseMs(this.settings)} ms; send it again`,
        };
      }
      await this.discard(staged);
      throw error;
    }
    return { ok: true, image };
  }

  /**
   * Drops a staged image that will not be recorded: its bytes, then its staging. When deleting the bytes
   * fails, the staging stays and the sweep deletes them later.
   */
  async discard(staged: Pick<StagedImage, "id">): Promise<void> {
    try {
      await this.#blobs.delete(staged.id);
      await this.#files.endFirmwareStaging(staged.id);
    } catch {
      // Left to the sweep (`pruneStaged`).
    }
  }

  /**
   * Deletes the bytes of at most `max` stagings no upload will record (older than `firmwareUploadLeaseMs`,
   * or already abandoned: an image deleted before its bytes were), then their stagings. Bytes that fail to be
   * deleted keep their staging, postponed for `STAGED_RETRY_MS`, and are told to `skipped`: as the oldest they
   * would come first in every call, so a batch of blobs the store cannot drop would stall the sweep there.
   */
  async pruneStaged(
    max: number,
    skipped: (id: string, error: unknown, retryAfter: string) => void = () => {},
  ): Promise<StagedPruned> {
    const now = this.#now();
    const startedBefore = new Date(now.getTime() - firmwareUploadLeaseMs(this.settings)).toISOString();
    const abandoned = await this.#files.abandonFirmwareStagings(startedBefore, max, now.toISOString());
    const pruned: StagedPruned = { deleted: 0, postponed: 0 };
    for (const staging of abandoned) {
      try {
        await this.#blobs.delete(staging.id);
      } catch (error) {
        const retryAfter = new Date(now.getTime() + STAGED_RETRY_MS).toISOString();
        await this.#files.postponeFirmwareStaging(staging.id, retryAfter);
        skipped(staging.id, error, retryAfter);
        pruned.postponed++;
        continue;
      }
      await this.#files.endFirmwareStaging(staging.id);
      pruned.deleted++;
    }
    return pruned;
  }

  list(limit: number): Promise<FirmwareImage[]> {
    return this.#files.listFirmware(limit);
  }

  get(id: string): Promise<FirmwareImage | null> {
    return this.#files.getFirmware(id);
  }

  /** Deletes an image: its record (leaving its bytes as an abandoned staging), then its bytes. */
  async delete(id: string): Promise<boolean> {
    const deleted = await this.#files.deleteFirmware(id);
    if (deleted) await this.discard({ id });
    return deleted;
  }

  /** Deletes at most `max` download links that expired before `expiredBefore`; how many. */
  pruneLinks(expiredBefore: string, max: number): Promise<number> {
    return this.#files.pruneDownloadLinks(expiredBefore, max);
  }

  /** An expiring download URL of image `firmwareId` for station `chargePointId`; null for an unknown image. */
  async link(request: {
    firmwareId: string;
    chargePointId: string;
    createdBy: string;
    baseUrl: string;
  }): Promise<{ url: string; expiresAt: string; firmware: FirmwareImage } | null> {
    const firmware = await this.#files.getFirmware(request.firmwareId);
    if (firmware === null) return null;
    const { token, hash } = await newUrlToken();
    const now = this.#now();
    const expiresAt = new Date(now.getTime() + this.settings.linkTtlMs).toISOString();
    await this.#files.createDownloadLink({
      tokenHash: hash,
      firmwareId: firmware.id,
      chargePointId: request.chargePointId,
      createdAt: now.toISOString(),
      expiresAt,
      maxDownloads: this.settings.maxDownloads,
      downloads: 0,
      createdBy: request.createdBy,
    });
    const url = `${request.baseUrl.replace(/\/+$/, "")}/files/firmware/${
      encodeURIComponent(request.chargePointId)
    }/${token}/${encodeURIComponent(firmware.fileName)}`;
    return { url, expiresAt, firmware };
  }

  /** A station's download: counts it and returns the bytes, or says why not. */
  async download(request: { chargePointId: string; token: string }): Promise<
    { ok: true; firmware: FirmwareImage; body: ReadableStream<Uint8Array> } | {
      ok: false;
      reason: DownloadRefusal;
    }
  > {
    if (!isUrlToken(request.token)) return { ok: false, reason: "unknown" };
    const used = await this.#files.useDownloadLink(
      await hashUrlToken(request.token),
      request.chargePointId,
      this.#now().toISOString(),
    );
    if (!used.ok) return used;
    const body = await this.#blobs.read(used.firmware.id);
    if (body === null) return { ok: false, reason: "firmware_deleted" };
    return { ok: true, firmware: used.firmware, body };
  }
}

/** Why the signing data is unusable, or null. Both or neither; a PEM X.509 certificate; base64 signature. */
export function signingProblem(signature: string | null, certificatePem: string | null): string | null {
  if ((signature === null) !== (certificatePem === null)) {
    return "A signed image needs both the signature and the signing certificate";
  }
  if (signature === null || certificatePem === null) return null;
  // SignedUpdateFirmware limits (official JSON schema): signature 800, signingCertificate 5500 characters.
  if (signature.length > 800 || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature.trim())) {
    return "The signature must be base64, at most 800 characters";
  }
  if (certificatePem.length > 5500) return "The signing certificate must be at most 5500 characters";
  if (!isPemCertificates(certificatePem, "one")) {
    return "The signing certificate must be one PEM X.509 certificate";
  }
  return null;
}

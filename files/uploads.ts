/**
 * Station uploads (GetDiagnostics, GetLog): an operator mints a one-time URL for one station and one request;
 * the station sends its file there (PUT or POST, raw or multipart); the bytes are stored as they arrive, up to
 * `maxBytes`; operators list and download them. A URL works once, before it expires, for its own station only.
 *
 * @example
 * ```ts ignore
 * const uploads = new StationUploads({
 *   files, blobs, now, settings: { maxBytes: 50 << 20, ttlMs: 3600_000, maxConcurrent: 32, idleMs: 30_000 },
 * });
 * const { url } = await uploads.mint({ chargePointId: "CP-1", kind: "log", requestId: 7, logType: "SecurityLog",
 *   createdBy: "user:alice", baseUrl: "https://csms.example.com" });
 * ```
 */
import type { ListCursor } from "../model/list_cursor.ts";
import type { UploadedFile, UploadKind, UploadRefusal, UploadSlot } from "../model/files.ts";
import { type BlobStore, BlobTooLargeError } from "../store/blob_store.ts";
import { type FileStore, UploadSlotLostError } from "../store/file_store.ts";
import { limitStream } from "./byte_limit.ts";
import { Slots } from "../model/slots.ts";
import { measure, safeFileName } from "./measure.ts";
import { abortWhenIdle, UploadStalledError } from "./stall_guard.ts";
import { MalformedMultipartError, multipartBoundary, openFirstFilePart } from "./multipart_file.ts";
import { hashUrlToken, isUrlToken, newUrlToken } from "./tokens.ts";

export interface UploadSettings {
  /** Largest file a station may upload. */
  maxBytes: number;
  /** How long a minted URL stays usable. */
  ttlMs: number;
  /** Uploads streaming in at once, on this process; more are refused ("busy") until one ends. */
  maxConcurrent: number;
  /** A body that sends nothing for this long is cut off and its slot reopened ("stalled"). */
  idleMs: number;
}

/**
 * The slowest average rate an upload may have (512 kbit/s). With the idle timeout it makes an uploader's lease
 * on its slot: an upload is cut off when the lease runs out, and a slot claimed longer ago than the lease is
 * taken to be abandoned (its process died) and may be claimed again.
 */
export const MIN_UPLOAD_BYTES_PER_S = 64 * 1024;

/** How long an upload may hold its slot: the idle timeout plus a max-size file at the slowest rate. */
export function claimLeaseMs(settings: UploadSettings): number {
  return settings.idleMs + Math.ceil(settings.maxBytes / MIN_UPLOAD_BYTES_PER_S * 1000);
}

/** Multipart framing a station may add around its file, beyond the file limit. */
export const MULTIPART_SLACK_BYTES = 64 * 1024;

export interface MintedUpload {
  url: string;
  uploadId: string;
  expiresAt: string;
}

export type ReceiveResult =
  | { ok: true; file: UploadedFile }
  | { ok: false; reason: UploadRefusal | "too_large" | "malformed" | "busy" | "stalled" };

export class StationUploads {
  readonly #files: FileStore;
  readonly #blobs: BlobStore;
  readonly #now: () => Date;
  readonly settings: UploadSettings;
  /** Uploads streaming in now (`settings.maxConcurrent` at once). */
  readonly #uploads: Slots;

  constructor(deps: { files: FileStore; blobs: BlobStore; now: () => Date; settings: UploadSettings }) {
    this.#files = deps.files;
    this.#blobs = deps.blobs;
    this.#now = deps.now;
    this.settings = deps.settings;
    this.#uploads = new Slots(deps.settings.maxConcurrent);
  }

  /** A one-time upload URL below `baseUrl` (the Central System's public http(s) origin). */
  async mint(request: {
    chargePointId: string;
    kind: UploadKind;
    requestId?: number | null;
    logType?: string | null;
    createdBy: string;
    baseUrl: string;
  }): Promise<MintedUpload> {
    const { token, hash } = await newUrlToken();
    const now = this.#now();
    const uploadId = `upload-${crypto.randomUUID()}`;
    const expiresAt = new Date(now.getTime() + this.settings.ttlMs).toISOString();
    await this.#files.createUploadSlot({
      tokenHash: hash,
      uploadId,
      chargePointId: request.chargePointId,
      kind: request.kind,
      requestId: request.requestId ?? null,
      logType: request.logType ?? null,
      maxBytes: this.settings.maxBytes,
      createdAt: now.toISOString(),
      expiresAt,
      createdBy: request.createdBy,
      state: "open",
    });
    return { url: uploadUrl(request.baseUrl, request.chargePointId, token), uploadId, expiresAt };
  }

  /**
   * Takes a station's upload: claims the slot (refused when unknown, used, in progress, expired or another
   * station's) before a byte of the body is read, takes one of `maxConcurrent` places, then streams the bytes
   * (the raw body, or the first file part of a multipart one) into the store up to the slot's limit and
   * records the file. A transfer that fails, stalls (`idleMs`) or is too large puts the slot back, so the station may retry
   * within the expiry. The body is never read when the upload is refused.
   */
  async receive(upload: {
    chargePointId: string;
    token: string;
    body: ReadableStream<Uint8Array>;
    /** The request's Content-Type; `multipart/form-data` means the file is its first file part. */
    contentType?: string | null;
    fileName?: string | null;
    remoteAddress: string | null;
  }): Promise<ReceiveResult> {
    if (!isUrlToken(upload.token)) return { ok: false, reason: "unknown" };
    const tokenHash = await hashUrlToken(upload.token);
    const now = this.#now();
    const claim = await this.#files.claimUploadSlot(
      tokenHash,
      upload.chargePointId,
      now.toISOString(),
      new Date(now.getTime() - claimLeaseMs(this.settings)).toISOString(),
    );
    if (!claim.ok) return claim;
    const slot = claim.slot;
    const release = this.#uploads.acquire();
    if (release === null) {
      await this.#files.releaseUploadSlot(tokenHash);
      return { ok: false, reason: "busy" };
    }
    try {
      const stored = await this.#store(slot, upload);
      if (!stored.ok) {
        await this.#files.releaseUploadSlot(tokenHash);
        return stored;
      }
      try {
        await this.#files.completeUpload(tokenHash, stored.file);
      } catch (error) {
        await this.#blobs.delete(slot.uploadId).catch(() => {});
        // Past its lease, retention took the slot meanwhile: to the station, the URL expired.
        if (error instanceof UploadSlotLostError) return { ok: false, reason: "expired" };
        throw error;
      }
      return stored;
    } catch (error) {
      await this.#files.releaseUploadSlot(tokenHash).catch(() => {});
      throw error;
    } finally {
      release();
    }
  }

  /** Streams the upload's file into blob `slot.uploadId`; its record, or why not. */
  async #store(
    slot: UploadSlot,
    upload: {
      body: ReadableStream<Uint8Array>;
      contentType?: string | null;
      fileName?: string | null;
      remoteAddress: string | null;
    },
  ): Promise<ReceiveResult> {
    const type = upload.contentType ?? "";
    const multipart = multipartBoundary(type) !== null;
    // Multipart framing and fields before the file count too, so a body of junk fields is cut off as well.
    const limited = limitStream(
      abortWhenIdle(upload.body, this.settings.idleMs, claimLeaseMs(this.settings)),
      slot.maxBytes + (multipart ? MULTIPART_SLACK_BYTES : 0),
    );
    let body = limited.stream;
    let fileName = upload.fileName ?? null;
    let contentType: string | null = type;
    try {
      if (multipart) {
        const part = await openFirstFilePart(body, type);
        if (part === null) return { ok: false, reason: "malformed" };
        body = part.body;
        fileName = part.fileName ?? fileName;
        contentType = part.contentType;
      }
      const measured = measure(body);
      await this.#blobs.write(slot.uploadId, measured.chunks, slot.maxBytes);
      const { size, sha256 } = measured.result();
      return {
        ok: true,
        file: {
          id: slot.uploadId,
          chargePointId: slot.chargePointId,
          kind: slot.kind,
          requestId: slot.requestId,
          logType: slot.logType,
          fileName: safeFileName(fileName, `${slot.kind}-${slot.uploadId.slice(7, 15)}.bin`),
          contentType: contentType?.split(";")[0]?.trim() || "application/octet-stream",
          size,
          sha256,
          uploadedAt: this.#now().toISOString(),
          remoteAddress: upload.remoteAddress,
        },
      };
    } catch (error) {
      await body.cancel().catch(() => {});
      if (error instanceof BlobTooLargeError || limited.exceeded()) return { ok: false, reason: "too_large" };
      if (error instanceof MalformedMultipartError) return { ok: false, reason: "malformed" };
      if (error instanceof UploadStalledError) return { ok: false, reason: "stalled" };
      throw error;
    }
  }

  /** Newest first; `before`: the page after that cursor (see model/list_cursor.ts). */
  list(query: { chargePointId?: string; limit: number; before?: ListCursor }): Promise<UploadedFile[]> {
    return this.#files.listUploads(query);
  }

  /**
   * Deletes an uploaded file, bytes first: a crash in between leaves a record without bytes, which the next
   * delete (or retention) finishes, never bytes no record leads to. False when there is no such file.
   */
  async delete(id: string): Promise<boolean> {
    if (!isUploadId(id)) return false;
    if (await this.#files.getUpload(id) === null) return false;
    await this.#blobs.delete(id);
    return (await this.#files.deleteUpload(id)) !== null;
  }

  /** Deletes at most `max` of the files uploaded before `before`, oldest first; how many. */
  async pruneFiles(before: string, max: number): Promise<number> {
    let deleted = 0;
    for (const file of await this.#files.listUploadsBefore(before, max)) {
      await this.#blobs.delete(file.id);
      if (await this.#files.deleteUpload(file.id) !== null) deleted++;
    }
    return deleted;
  }

  /**
   * Deletes at most `max` URL slots that expired before `expiredBefore`, never one an upload may still be
   * streaming into (within its lease), and the bytes an upload that never finished left behind (a crash); how
   * many. A used slot's file stays: it has its own record and retention. Bytes first: a crash in between
   * leaves the slots, which lead the next round to the bytes, never bytes no slot leads to. The store puts a
   * stale upload's slot back before its bytes go, so an upload ending just then is refused rather than
   * recorded without its bytes.
   */
  async pruneSlots(expiredBefore: string, max: number): Promise<number> {
    const staleBefore = new Date(this.#now().getTime() - claimLeaseMs(this.settings)).toISOString();
    const pruned = await this.#files.pruneUploadSlots(expiredBefore, staleBefore, max, async (due) => {
      for (const slot of due) if (slot.state !== "used") await this.#blobs.delete(slot.uploadId);
    });
    return pruned.length;
  }

  /** The file and its bytes, or null. */
  async open(id: string): Promise<{ file: UploadedFile; body: ReadableStream<Uint8Array> } | null> {
    if (!isUploadId(id)) return null;
    const file = await this.#files.getUpload(id);
    if (file === null) return null;
    const body = await this.#blobs.read(id);
    return body === null ? null : { file, body };
  }
}

/** True for an id of ours (`upload-<uuid>`): anything else is unknown before any store read. */
export function isUploadId(id: string): boolean {
  return /^upload-[0-9a-f-]{36}$/.test(id);
}

/** Where a station sends its file: `<base>/files/upload/<charge point id>/<token>`. */
export function uploadUrl(baseUrl: string, chargePointId: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/files/upload/${encodeURIComponent(chargePointId)}/${token}`;
}

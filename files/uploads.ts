/**
 * Station uploads (GetDiagnostics, GetLog): an operator mints a one-time URL for one station and one request;
 * the station sends its file there (PUT or POST, raw or multipart); the bytes are stored as they arrive, up to
 * `maxBytes`; operators list and download them. A URL works once, before it expires, for its own station only.
 *
 * @example
 * ```ts ignore
 * const uploads = new StationUploads({ files, blobs, now, settings: { maxBytes: 50 << 20, ttlMs: 3600_000 } });
 * const { url } = await uploads.mint({ chargePointId: "CP-1", kind: "log", requestId: 7, logType: "SecurityLog",
 *   createdBy: "user:alice", baseUrl: "https://csms.example.com" });
 * ```
 */
import type { UploadedFile, UploadKind, UploadRefusal } from "../model/files.ts";
import { type BlobStore, BlobTooLargeError } from "../store/blob_store.ts";
import type { FileStore } from "../store/file_store.ts";
import { measure, safeFileName } from "./measure.ts";
import { hashUrlToken, isUrlToken, newUrlToken } from "./tokens.ts";

export interface UploadSettings {
  /** Largest file a station may upload. */
  maxBytes: number;
  /** How long a minted URL stays usable. */
  ttlMs: number;
}

export interface MintedUpload {
  url: string;
  uploadId: string;
  expiresAt: string;
}

export type ReceiveResult =
  | { ok: true; file: UploadedFile }
  | { ok: false; reason: UploadRefusal | "too_large" | "malformed" };

export class StationUploads {
  readonly #files: FileStore;
  readonly #blobs: BlobStore;
  readonly #now: () => Date;
  readonly settings: UploadSettings;

  constructor(deps: { files: FileStore; blobs: BlobStore; now: () => Date; settings: UploadSettings }) {
    this.#files = deps.files;
    this.#blobs = deps.blobs;
    this.#now = deps.now;
    this.settings = deps.settings;
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
   * station's), stores the bytes up to the slot's limit, then records the file. A transfer that fails or is
   * too large puts the slot back, so the station may retry within the expiry.
   */
  async receive(upload: {
    chargePointId: string;
    token: string;
    body: ReadableStream<Uint8Array>;
    fileName?: string | null;
    contentType?: string | null;
    remoteAddress: string | null;
  }): Promise<ReceiveResult> {
    if (!isUrlToken(upload.token)) return { ok: false, reason: "unknown" };
    const tokenHash = await hashUrlToken(upload.token);
    const claim = await this.#files.claimUploadSlot(
      tokenHash,
      upload.chargePointId,
      this.#now().toISOString(),
    );
    if (!claim.ok) return claim;
    const slot = claim.slot;
    const measured = measure(upload.body);
    try {
      await this.#blobs.write(slot.uploadId, measured.chunks, slot.maxBytes);
    } catch (error) {
      await this.#files.releaseUploadSlot(tokenHash);
      if (error instanceof BlobTooLargeError) return { ok: false, reason: "too_large" };
      throw error;
    }
    const { size, sha256 } = measured.result();
    const file: UploadedFile = {
      id: slot.uploadId,
      chargePointId: slot.chargePointId,
      kind: slot.kind,
      requestId: slot.requestId,
      logType: slot.logType,
      fileName: safeFileName(upload.fileName, `${slot.kind}-${slot.uploadId.slice(7, 15)}.bin`),
      contentType: upload.contentType?.split(";")[0]?.trim() || "application/octet-stream",
      size,
      sha256,
      uploadedAt: this.#now().toISOString(),
      remoteAddress: upload.remoteAddress,
    };
    try {
      await this.#files.completeUpload(tokenHash, file);
    } catch (error) {
      await this.#blobs.delete(slot.uploadId).catch(() => {});
      throw error;
    }
    return { ok: true, file };
  }

  list(query: { chargePointId?: string; limit: number }): Promise<UploadedFile[]> {
    return this.#files.listUploads(query);
  }

  /** The file and its bytes, or null. */
  async open(id: string): Promise<{ file: UploadedFile; body: ReadableStream<Uint8Array> } | null> {
    if (!/^upload-[0-9a-f-]{36}$/.test(id)) return null;
    const file = await this.#files.getUpload(id);
    if (file === null) return null;
    const body = await this.#blobs.read(id);
    return body === null ? null : { file, body };
  }
}

/** Where a station sends its file: `<base>/files/upload/<charge point id>/<token>`. */
export function uploadUrl(baseUrl: string, chargePointId: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/files/upload/${encodeURIComponent(chargePointId)}/${token}`;
}

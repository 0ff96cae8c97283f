/**
 * Files that move between stations and the Central System: diagnostics and logs stations upload (GetDiagnostics,
 * GetLog) to one-time URLs, and firmware images operators upload for stations to download (UpdateFirmware,
 * SignedUpdateFirmware) at expiring URLs. Bytes live in a BlobStore (the store, or a folder); these records
 * say what they are. URL tokens are never stored, only their SHA-256.
 */

/** What a station uploads: GetDiagnostics output, or a GetLog DiagnosticsLog / SecurityLog. */
export type UploadKind = "diagnostics" | "log";

/** A one-time upload URL, minted for one station and one request. */
export interface UploadSlot {
  /** SHA-256 (hex) of the URL's secret token. */
  tokenHash: string;
  /** The id the uploaded file will have. */
  uploadId: string;
  chargePointId: string;
  kind: UploadKind;
  /** GetLog requestId; null for GetDiagnostics. */
  requestId: number | null;
  /** GetLog logType (`DiagnosticsLog`, `SecurityLog`); null for GetDiagnostics. */
  logType: string | null;
  maxBytes: number;
  createdAt: string;
  expiresAt: string;
  /** Who minted it (`user:alice`). */
  createdBy: string;
  /** open: usable; uploading: an upload is streaming in; used: a file was stored. */
  state: "open" | "uploading" | "used";
  /**
   * When the upload in progress claimed the slot. A claim older than the uploader's lease counts as open
   * again: its process died (a crash leaves no one to put the slot back). Absent on slots stored before.
   */
  claimedAt?: string | null;
}

/** Why a station's upload was refused before a byte was read. */
export type UploadRefusal = "unknown" | "used" | "in_progress" | "expired" | "wrong_station";

/** A file a station uploaded. */
export interface UploadedFile {
  id: string;
  chargePointId: string;
  kind: UploadKind;
  requestId: number | null;
  logType: string | null;
  /** As the station named it (URL path or multipart filename), sanitised; else `<kind>-<id>`. */
  fileName: string;
  contentType: string;
  size: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  uploadedAt: string;
  remoteAddress: string | null;
}

/** A firmware image an operator uploaded, with what SignedUpdateFirmware sends along. */
export interface FirmwareImage {
  id: string;
  /** A label for people, e.g. `Volt-1 2.4.0`. */
  name: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  /** Base64 signature over the image (SignedUpdateFirmware `firmware.signature`); null for plain UpdateFirmware. */
  signature: string | null;
  /** PEM certificate the image was signed with (`firmware.signingCertificate`); null without a signature. */
  signingCertificatePem: string | null;
  uploadedBy: string;
  uploadedAt: string;
}

/**
 * A firmware image's bytes on their way into storage, noted before the first byte is written so that a crash
 * in between never leaves bytes nothing leads to: recording the image ends it; a failed upload deletes the
 * bytes, then ends it; the sweep deletes the bytes of one older than any upload may take (or already
 * abandoned), then ends it.
 */
export interface FirmwareStaging {
  /** The blob id, and the image's id once recorded. */
  id: string;
  startedAt: string;
  /**
   * No upload records it any more (the sweep found it too old, or its image was deleted): its bytes are to be
   * deleted, and recording it is refused.
   */
  abandoned: boolean;
}

/** An expiring URL at which one station may download one firmware image a few times (its retries). */
export interface DownloadLink {
  tokenHash: string;
  firmwareId: string;
  chargePointId: string;
  createdAt: string;
  expiresAt: string;
  maxDownloads: number;
  downloads: number;
  createdBy: string;
}

/** Why a station's download was refused. */
export type DownloadRefusal = "unknown" | "expired" | "exhausted" | "wrong_station" | "firmware_deleted";

/** The outcome of claiming an upload slot. */
export type SlotClaim = { ok: true; slot: UploadSlot } | { ok: false; reason: UploadRefusal };

/** The outcome of using a download link. */
export type LinkUse = { ok: true; link: DownloadLink; firmware: FirmwareImage } | {
  ok: false;
  reason: DownloadRefusal;
};

/**
 * Why a slot cannot be claimed by `chargePointId` at `at`, or null. An `uploading` slot claimed at or before
 * `staleBefore` (or with no claim time) is abandoned and can be claimed again.
 */
export function slotRefusal(
  slot: UploadSlot,
  chargePointId: string,
  at: string,
  staleBefore: string,
): UploadRefusal | null {
  if (slot.chargePointId !== chargePointId) return "wrong_station";
  if (slot.state === "used") return "used";
  if (slot.state === "uploading" && slot.claimedAt && slot.claimedAt > staleBefore) return "in_progress";
  if (slot.expiresAt <= at) return "expired";
  return null;
}

/** Why a link cannot be used by `chargePointId` at `at`, or null. */
export function linkRefusal(link: DownloadLink, chargePointId: string, at: string): DownloadRefusal | null {
  if (link.chargePointId !== chargePointId) return "wrong_station";
  if (link.expiresAt <= at) return "expired";
  if (link.downloads >= link.maxDownloads) return "exhausted";
  return null;
}

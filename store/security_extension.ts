/**
 * What the OCPP 1.6 Security extension keeps: the station PKI (`pki_store.ts`), file records
 * (`file_store.ts`) and file bytes (`blob_store.ts`). Built on KV (`kv/security_extension.ts`) or PostgreSQL
 * (`postgres/security_extension.ts`); bytes may instead go to a folder (`folder_blobs.ts`, `UPLOAD_DIR`).
 */
import type { BlobStore } from "./blob_store.ts";
import type { FileStore } from "./file_store.ts";
import type { PkiStore } from "./pki_store.ts";

export interface SecurityExtensionStores {
  pki: PkiStore;
  files: FileStore;
  blobs: BlobStore;
}

/**
 * The Security extension's stores on a Deno KV handle (shared with the other stores: one SQLite file, one
 * handle). The caller owns the handle.
 */
import type { SecurityExtensionStores } from "../security_extension.ts";
import { KvBlobStore } from "./blobs.ts";
import { KvFileStore } from "./files.ts";
import { KvPkiStore } from "./pki.ts";

export function kvSecurityExtension(kv: Deno.Kv): SecurityExtensionStores {
  return { pki: new KvPkiStore(kv), files: new KvFileStore(kv), blobs: new KvBlobStore(kv) };
}

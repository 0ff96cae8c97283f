/**
 * The Security extension's stores on PostgreSQL, sharing one small pool: the PKI, file records and blobs.
 *
 * @example
 * ```ts ignore
 * const stores = await openPostgresSecurityExtension("postgres://postgres@127.0.0.1:5432/csms");
 * await stores.pki.getCa();
 * await stores.close();
 * ```
 */
import { openMigratedPool } from "./migrate.ts";
import type { SecurityExtensionStores } from "../security_extension.ts";
import { PostgresBlobStore } from "./blobs.ts";
import { PostgresFileStore } from "./files.ts";
import { PostgresPkiStore } from "./pki.ts";

export async function openPostgresSecurityExtension(
  url: string,
  options: { maxConnections?: number; migrate?: boolean } = {},
): Promise<SecurityExtensionStores & { close(): Promise<void> }> {
  const sql = await openMigratedPool(url, {
    maxConnections: options.maxConnections ?? 4,
    applicationName: "ocpp-csms-security-extension",
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
  });
  return {
    pki: new PostgresPkiStore(sql),
    files: new PostgresFileStore(sql),
    blobs: new PostgresBlobStore(sql),
    close: () => sql.end({ timeout: 5 }),
  };
}

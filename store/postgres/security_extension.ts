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
import { boundedCalls } from "./bounded_calls.ts";
import { openMigratedPool } from "./migrate.ts";
import type { SecurityExtensionStores } from "../security_extension.ts";
import { PostgresBlobStore } from "./blobs.ts";
import { PostgresFileStore } from "./files.ts";
import { PostgresPkiStore } from "./pki.ts";

export async function openPostgresSecurityExtension(
  url: string,
  options: {
    maxConnections?: number;
    migrate?: boolean;
    /** Bound on each call, each blob statement (default 10 s): a connection that stops answering fails it. */
    callTimeoutMs?: number;
  } = {},
): Promise<SecurityExtensionStores & { close(): Promise<void> }> {
  const sql = await openMigratedPool(url, {
    maxConnections: options.maxConnections ?? 4,
    applicationName: "ocpp-csms-security-extension",
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
  });
  return {
    pki: boundedCalls(new PostgresPkiStore(sql), "pki", options.callTimeoutMs),
    files: boundedCalls(new PostgresFileStore(sql), "files", options.callTimeoutMs),
    // A blob's write and read last as long as the bytes flow: each statement is bounded instead.
    blobs: new PostgresBlobStore(sql, options.callTimeoutMs),
    close: () => sql.end({ timeout: 5 }),
  };
}

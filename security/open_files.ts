/**
 * The station connection ceiling, kept below the process's open-file limit: every station socket is a file
 * descriptor, and the store, the API's clients and the runtime need some too. Deno.serve stops accepting for
 * good when accept() fails with EMFILE, so running out must not happen through station sockets. The limit is
 * read by the caller (server.ts reads /proc), so this stays pure.
 *
 * @example
 * ```ts
 * import { createMemoryLogger } from "../logger.ts";
 * connectionCeiling(15_000, 20_000, createMemoryLogger()); // 15,000
 * connectionCeiling(19_900, 20_000, createMemoryLogger()); // 19,488
 * connectionCeiling(15_000, 256, createMemoryLogger()); // 192
 * ```
 */
import type { Logger } from "../logger.ts";

/**
 * Descriptors kept free for everything else (runtime ~45, store, API clients, refused handshakes in flight);
 * with a small limit, station sockets get at most OPEN_FILES_SHARE of it instead.
 */
export const OPEN_FILES_RESERVE = 512;
export const OPEN_FILES_SHARE = 0.75;

/** `configured`, lowered (with a warning) to fit `openFilesLimit`; unchanged when the limit is unknown. */
export function connectionCeiling(configured: number, openFilesLimit: number | null, logger: Logger): number {
  const limit = openFilesLimit;
  if (limit === null) return configured;
  const ceiling = Math.max(1, Math.floor(limit * OPEN_FILES_SHARE), limit - OPEN_FILES_RESERVE);
  if (configured <= ceiling) return configured;
  logger.warn("MAX_CONNECTIONS lowered to fit the open-files limit", {
    configured,
    openFilesLimit: limit,
    maxConnections: ceiling,
  });
  return ceiling;
}

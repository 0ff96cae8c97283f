/**
 * The station connection ceiling, kept below the process's open-file limit: every station socket is a file
 * descriptor, and the store, the API's clients and the runtime need some too. Deno.serve stops accepting for
 * good when accept() fails with EMFILE, so running out must not happen through station sockets.
 *
 * @example
 * ```ts ignore
 * await connectionCeiling(15_000, logger); // 15,000 with a 20,000 limit, 192 with 256
 * await connectionCeiling(19_900, logger); // 19,488 with a 20,000 limit
 * ```
 */
import type { Logger } from "../logger.ts";

/**
 * Descriptors kept free for everything else (runtime ~45, store, API clients, refused handshakes in flight);
 * with a small limit, station sockets get at most OPEN_FILES_SHARE of it instead.
 */
export const OPEN_FILES_RESERVE = 512;
export const OPEN_FILES_SHARE = 0.75;

export async function connectionCeiling(configured: number, logger: Logger): Promise<number> {
  const limit = await softOpenFilesLimit();
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

/** The soft limit on open files (Linux /proc), or null where it cannot be read. */
export async function softOpenFilesLimit(): Promise<number | null> {
  try {
    const text = await Deno.readTextFile("/proc/self/limits");
    const line = text.split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    const value = Number(soft);
    return Number.isFinite(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

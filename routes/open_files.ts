/**
 * The station connection ceiling, kept below the process's open-file limit: every station socket is a file
 * descriptor, and the store, the API's clients and the runtime need some too. Deno.serve stops accepting for
 * good when accept() fails with EMFILE, so running out must not happen through station sockets.
 *
 * @example
 * ```ts ignore
 * const max = await connectionCeiling(15_000, logger); // 15,000 with a 20,000 limit, 192 with 256
 * ```
 */
import type { Logger } from "../logger.ts";

/** Share of the soft RLIMIT_NOFILE station sockets may use. */
export const OPEN_FILES_SHARE = 0.75;

export async function connectionCeiling(configured: number, logger: Logger): Promise<number> {
  const limit = await softOpenFilesLimit();
  if (limit === null) return configured;
  const ceiling = Math.max(1, Math.floor(limit * OPEN_FILES_SHARE));
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

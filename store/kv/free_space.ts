/**
 * How much room the disk under a KV file has left, to say why a file cannot be opened or written: SQLite
 * reports a full disk as "database or disk is full", or as "disk I/O error" when it cannot even make its
 * journal files.
 */
import { statfsSync } from "node:fs";
import { dirname } from "node:path";

/** Bytes free to this process on the disk holding `path` (or its nearest existing folder), or null. */
export function freeBytes(path: string): number | null {
  for (let at = path;; at = dirname(at)) {
    try {
      const s = statfsSync(at);
      return Number(s.bavail) * Number(s.bsize);
    } catch {
      if (dirname(at) === at) return null;
    }
  }
}

/** Under this much free space a disk counts as full: SQLite needs room for a page and its journal. */
const FULL_BELOW_BYTES = 64 * 1024;

/** "; its disk is full (N bytes free): ..." when the disk under `path` is (nearly) full, else "". */
export function fullDiskNote(path: string): string {
  const free = freeBytes(path);
  if (free === null || free >= FULL_BELOW_BYTES) return "";
  return `; its disk is full (${free} bytes free): free space on it and start again`;
}

import { dirname, resolve } from "node:path";
import { makeExpiryIndexPartial } from "./expiry_index.ts";

/** Local files a handle was opened on in this process (their expiry index was seen to then). */
const openedHere = new Set<string>();

export interface OpenKvOptions {
  /** Told when the expiry index could not be made partial (the file opens as Deno KV made it). */
  warn?: (msg: string, fields: Record<string, unknown>) => void;
  /** What makes the expiry index partial (tests replace it). */
  prepare?: (path: string) => unknown;
}

/**
 * Opens a Deno KV handle the way every KV store here does: `path` undefined uses Deno Deploy's built-in KV,
 * `":memory:"` a throwaway one (tests), anything else a file whose parent folder is created when missing.
 * A local file's expiry index is made partial on its first open in this process (expiry_index.ts), best
 * effort: only speed depends on it. A new file is opened once first, for Deno KV to write its schema.
 */
export async function openKvHandle(path?: string, options: OpenKvOptions = {}): Promise<Deno.Kv> {
  if (path === undefined) return await Deno.openKv();
  if (path === ":memory:") return await Deno.openKv(path);
  await Deno.mkdir(dirname(path), { recursive: true });
  const file = resolve(path);
  if (!openedHere.has(file)) {
    openedHere.add(file);
    if (!(await exists(file))) (await Deno.openKv(file)).close();
    try {
      (options.prepare ?? makeExpiryIndexPartial)(file);
    } catch (error) {
      options.warn?.("KV expiry index left as Deno KV made it", { path, error: String(error) });
    }
  }
  return await Deno.openKv(path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

import { dirname } from "node:path";
import { makeExpiryIndexPartial } from "./expiry_index.ts";

export interface OpenKvOptions {
  /** Told when the expiry index could not be made partial (the file opens as Deno KV made it). */
  warn?: (msg: string, fields: Record<string, unknown>) => void;
  /** What makes the expiry index partial (tests replace it). */
  prepare?: (path: string) => unknown;
}

/**
 * Opens a Deno KV handle the way every KV store here does: `path` undefined uses Deno Deploy's built-in KV,
 * `":memory:"` a throwaway one (tests), anything else a file whose parent folder is created when missing.
 * A local file's expiry index is made partial (expiry_index.ts; once partial, a read of its schema), best
 * effort: only speed depends on it. A new file is opened once first, for Deno KV to write its schema.
 */
export async function openKvHandle(path?: string, options: OpenKvOptions = {}): Promise<Deno.Kv> {
  if (path === undefined) return await Deno.openKv();
  if (path === ":memory:") return await Deno.openKv(path);
  await Deno.mkdir(dirname(path), { recursive: true });
  if (!(await exists(path))) (await Deno.openKv(path)).close();
  try {
    (options.prepare ?? makeExpiryIndexPartial)(path);
  } catch (error) {
    options.warn?.("KV expiry index left as Deno KV made it", { path, error: String(error) });
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

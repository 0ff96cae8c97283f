import { dirname } from "node:path";

/**
 * Opens a Deno KV handle the way every KV store here does: `path` undefined uses Deno Deploy's built-in KV,
 * `":memory:"` a throwaway one (tests), anything else a file whose parent folder is created when missing.
 */
export async function openKvHandle(path?: string): Promise<Deno.Kv> {
  if (path === undefined) return await Deno.openKv();
  if (path !== ":memory:") await Deno.mkdir(dirname(path), { recursive: true });
  return await Deno.openKv(path);
}

/**
 * The one JavaScript file the dashboard ships: every island in `islands/` plus a few lines that hydrate the
 * `<div data-island>` markers the server rendered. `deno task build` writes it to static/islands.js with a
 * manifest of the sources it came from; the server serves that file while those sources are unchanged (where
 * subprocesses are not allowed, as on Deno Deploy, this is the only way), else builds with npm esbuild on the
 * first request and keeps it in memory.
 *
 * esbuild runs its native binary as a child process; `stop()` ends it after each build so nothing stays open
 * (Deno's test sanitizers, clean shutdown). Preact resolves from `node_modules/` (nodeModulesDir "auto"), the
 * same copy the server renders with.
 *
 * @example
 * ```ts ignore
 * const bundle = createIslandBundle();
 * const { code, hash } = await bundle.get();
 * ```
 */
export interface IslandBundle {
  /** The bundled code and a short content hash (for cache busting); built once. */
  get(): Promise<{ code: string; hash: string }>;
}

const ROOT = new URL("../../", import.meta.url);

/**
 * The entry point: the island table, hydration of the markers of the islands on the page, and focus kept on
 * a control disabled while busy (islands/focus_keeper.ts).
 */
const ENTRY = `import { h, hydrate } from "preact";
import { ISLANDS as islands } from "./islands/mod.ts";
import { keepFocusThroughBusy } from "./islands/focus_keeper.ts";
keepFocusThroughBusy(document);
for (const el of document.querySelectorAll("[data-island]")) {
  const Island = islands[el.dataset.island];
  if (!Island) continue;
  const props = JSON.parse(el.querySelector(":scope > script[type='application/json']")?.textContent ?? "{}");
  hydrate(h(Island, props), el.querySelector(":scope > [data-island-root]"));
}
`;

export interface BuiltIslands {
  code: string;
  /** Our source files the bundle was made from (repository paths), for checking a prebuilt bundle. */
  inputs: string[];
}

export async function buildIslands(options: { minify?: boolean } = {}): Promise<BuiltIslands> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      stdin: {
        contents: ENTRY,
        resolveDir: decodeURIComponent(ROOT.pathname),
        sourcefile: "islands_entry.js",
        loader: "js",
      },
      // Input paths in the metafile are relative to this: repository paths, wherever the build runs from.
      absWorkingDir: decodeURIComponent(ROOT.pathname),
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "browser",
      target: ["es2022"],
      jsx: "automatic",
      jsxImportSource: "preact",
      minify: options.minify ?? true,
      legalComments: "none",
      logLevel: "silent",
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error("Cannot build the island bundle: esbuild produced no output");
    const inputs = Object.keys(result.metafile.inputs)
      .filter((path) =>
        !path.startsWith("node_modules/") && !path.includes(":") && path !== "islands_entry.js"
      );
    return { code: file.text, inputs: [...inputs, ...DEPENDENCY_FILES].sort() };
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new Error(
        "Cannot build the dashboard's script here (no subprocesses): run `deno task build` first " +
          "(on Deno Deploy, as the build command)",
        { cause: error },
      );
    }
    throw error;
  } finally {
    await esbuild.stop().catch(() => {});
  }
}

/** Where `deno task build` puts the bundle and what it was made from. */
export const PREBUILT_CODE = new URL("../../static/islands.js", import.meta.url);
export const PREBUILT_MANIFEST = new URL("../../static/islands.json", import.meta.url);
/** The versions of preact and friends: a prebuilt bundle is stale when these change too. */
const DEPENDENCY_FILES = ["deno.json", "deno.lock"];

export interface Manifest {
  /** Repository path -> SHA-256 (hex) of the file the bundle was built from. */
  inputs: Record<string, string>;
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Writes the bundle and its manifest for `deno task build` (each file replaced at once, never half written). */
export async function writePrebuilt(built: BuiltIslands): Promise<void> {
  const inputs: Record<string, string> = {};
  for (const path of built.inputs) inputs[path] = await sha256(await Deno.readFile(new URL(path, ROOT)));
  for (
    const [url, text] of [[PREBUILT_CODE, built.code], [
      PREBUILT_MANIFEST,
      JSON.stringify({ inputs }),
    ]] as const
  ) {
    const temporary = new URL(`${url.pathname}.${crypto.randomUUID()}.tmp`, "file:///");
    await Deno.writeTextFile(temporary, text);
    await Deno.rename(temporary, url);
  }
}

/** Whether every file the manifest lists still has the content it was built from. */
export async function sourcesUnchanged(
  manifest: Manifest,
  read: (path: string) => Promise<Uint8Array>,
): Promise<boolean> {
  const entries = Object.entries(manifest.inputs);
  if (entries.length === 0) return false;
  for (const [path, hash] of entries) {
    if (await sha256(await read(path)) !== hash) return false;
  }
  return true;
}

/** The prebuilt bundle when every file it was made from is unchanged; null when missing or stale. */
export async function readPrebuilt(): Promise<string | null> {
  try {
    const manifest: Manifest = JSON.parse(await Deno.readTextFile(PREBUILT_MANIFEST));
    const code = await Deno.readTextFile(PREBUILT_CODE);
    return await sourcesUnchanged(manifest, (path) => Deno.readFile(new URL(path, ROOT))) ? code : null;
  } catch {
    return null;
  }
}

/** The build is the same for every app in the process (and esbuild's service is process-wide): one build. */
let shared: Promise<{ code: string; hash: string }> | undefined;

export function createIslandBundle(): IslandBundle {
  return {
    get() {
      shared ??= (async () => {
        const code = (await readPrebuilt()) ?? (await buildIslands()).code;
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code)));
        const hash = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
        return { code, hash };
      })();
      // A failed build is retried on the next request rather than cached.
      shared.catch(() => (shared = undefined));
      return shared;
    },
  };
}

/**
 * The one JavaScript file the dashboard ships: every island in `islands/` plus a few lines that hydrate the
 * `<div data-island>` markers the server rendered. Built with npm esbuild on first request, kept in memory.
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

/** The entry point: the island table, and hydration of the markers of the islands on the page. */
const ENTRY = `import { h, hydrate } from "preact";
import { ISLANDS as islands } from "./islands/mod.ts";
for (const el of document.querySelectorAll("[data-island]")) {
  const Island = islands[el.dataset.island];
  if (!Island) continue;
  const props = JSON.parse(el.querySelector(":scope > script[type='application/json']")?.textContent ?? "{}");
  hydrate(h(Island, props), el.querySelector(":scope > [data-island-root]"));
}
`;

export async function buildIslands(options: { minify?: boolean } = {}): Promise<string> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      stdin: {
        contents: ENTRY,
        resolveDir: decodeURIComponent(ROOT.pathname),
        sourcefile: "islands_entry.js",
        loader: "js",
      },
      bundle: true,
      write: false,
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
    return file.text;
  } finally {
    await esbuild.stop();
  }
}

/** The build is the same for every app in the process (and esbuild's service is process-wide): one build. */
let shared: Promise<{ code: string; hash: string }> | undefined;

export function createIslandBundle(): IslandBundle {
  return {
    get() {
      shared ??= buildIslands().then(async (code) => {
        const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
        const hash = [...new Uint8Array(digest).slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join(
          "",
        );
        return { code, hash };
      });
      // A failed build is retried on the next request rather than cached.
      shared.catch(() => (shared = undefined));
      return shared;
    },
  };
}

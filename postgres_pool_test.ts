/**
 * Every pool the process opens gets the short reconnect back-off: none calls postgres.js's `postgres()` but
 * `openPostgresPool`. So do the benchmarks' and the test helpers' pools (a helper's pool whose connection a
 * test killed waited out postgres.js's own back-off, up to 20 s, where the server's waits half a second);
 * test files are left out.
 */
import { assertEquals, assertLess } from "@std/assert";
import { reconnectBackoffSeconds } from "./postgres_pool.ts";

const ROOT = new URL("./", import.meta.url);
/** Folders left out, by their path from the root; of `tests/`, only `tests/helpers/` is scanned. */
const SKIPPED_FOLDERS = new Set(["node_modules", "static", "tests"]);

/** The repository's source files and test helpers (paths from its root), test files left out. */
async function* sources(dir = ROOT, prefix = ""): AsyncGenerator<string> {
  if (prefix === "") yield* sources(new URL("tests/helpers/", ROOT), "tests/helpers/");
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory) {
      if (!SKIPPED_FOLDERS.has(`${prefix}${entry.name}`)) {
        yield* sources(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`);
      }
    } else if (/\.tsx?$/.test(entry.name) && !/_(test|bench)\.tsx?$/.test(entry.name)) {
      yield `${prefix}${entry.name}`;
    }
  }
}

/** The code of a file, its comments blanked (a doc example may show `postgres(url)`). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

Deno.test("every PostgreSQL pool of the process, the benchmarks and the test helpers is opened by openPostgresPool", async () => {
  const direct: string[] = [];
  for await (const path of sources()) {
    const code = withoutComments(await Deno.readTextFile(new URL(path, ROOT)));
    if (/(?<![\w."'`])postgres\s*(<[^>]*>)?\s*\(/.test(code)) direct.push(path);
  }
  assertEquals(direct.sort(), ["postgres_pool.ts"]);
});

Deno.test("the reconnect back-off grows from 25-50 ms and never passes half a second", () => {
  for (let retries = 0; retries < 40; retries++) {
    const seconds = reconnectBackoffSeconds(retries);
    assertLess(seconds, 0.5 + 1e-9);
    assertLess(0.025 - 1e-9, seconds);
  }
});

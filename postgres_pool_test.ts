/**
 * Every pool the process opens gets the short reconnect back-off: none calls postgres.js's `postgres()` but
 * `openPostgresPool`. Tests, their helpers and the benchmarks open their own (they are not the server).
 */
import { assertEquals, assertLess } from "@std/assert";
import { reconnectBackoffSeconds } from "./postgres_pool.ts";

const ROOT = new URL("./", import.meta.url);
const SKIPPED_FOLDERS = new Set(["node_modules", "tests", "bench", "static"]);

/** The repository's source files (paths from its root), tests and skipped folders left out. */
async function* sources(dir = ROOT, prefix = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory) {
      if (!SKIPPED_FOLDERS.has(entry.name)) {
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

Deno.test("every PostgreSQL pool the process opens is opened by openPostgresPool, with its back-off", async () => {
  const direct: string[] = [];
  for await (const path of sources()) {
    const code = withoutComments(await Deno.readTextFile(new URL(path, ROOT)));
    if (/(?<![\w.])postgres\s*(<[^>]*>)?\s*\(/.test(code)) direct.push(path);
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

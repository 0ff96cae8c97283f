/**
 * Every pool the process opens gets the short reconnect back-off: none calls postgres.js's `postgres()` but
 * `openPostgresPool`. So do the benchmarks', the test helpers' and the tests' own pools (a test's pool whose
 * connection the test killed waited out postgres.js's own back-off, up to 20 s, where the server's waits half
 * a second; and a test on a pool unlike the server's tests something else). Every pool option but the
 * back-off still passes through `openPostgresPool`, so no test needs `postgres()` itself.
 */
import { assertEquals, assertLess } from "@std/assert";
import { reconnectBackoffSeconds } from "./postgres_pool.ts";

const ROOT = new URL("./", import.meta.url);
/** Folders left out, by their path from the root. */
const SKIPPED_FOLDERS = new Set(["node_modules", "static"]);

/** The repository's TypeScript files (paths from its root), tests and benchmarks included. */
async function* sources(dir = ROOT, prefix = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory) {
      if (!SKIPPED_FOLDERS.has(`${prefix}${entry.name}`)) {
        yield* sources(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`);
      }
    } else if (/\.tsx?$/.test(entry.name)) {
      yield `${prefix}${entry.name}`;
    }
  }
}

/** The code of a file, its comments blanked (a doc example may show `postgres(url)`). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The files that call `postgres(...)` themselves. */
async function directCallers(): Promise<string[]> {
  const direct: string[] = [];
  for await (const path of sources()) {
    const code = withoutComments(await Deno.readTextFile(new URL(path, ROOT)));
    if (/(?<![\w."'`])postgres\s*(<[^>]*>)?\s*\(/.test(code)) direct.push(path);
  }
  return direct.sort();
}

Deno.test("every PostgreSQL pool of the process, the benchmarks and the tests is opened by openPostgresPool", async () => {
  const direct = await directCallers();
  assertEquals(direct, ["postgres_pool.ts"]);
  // The scan reaches the tests themselves, not only their helpers (a direct pool crept in there before).
  const scanned = new Set<string>();
  for await (const path of sources()) scanned.add(path);
  for (
    const test of ["tests/crash_e2e_test.ts", "store/postgres/migrate_test.ts", "cluster/postgres_test.ts"]
  ) {
    assertEquals(scanned.has(test), true, `${test} is scanned`);
  }
});

Deno.test("the reconnect back-off grows from 25-50 ms and never passes half a second", () => {
  for (let retries = 0; retries < 40; retries++) {
    const seconds = reconnectBackoffSeconds(retries);
    assertLess(seconds, 0.5 + 1e-9);
    assertLess(0.025 - 1e-9, seconds);
  }
});

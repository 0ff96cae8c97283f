/**
 * The domain folders stay free of infrastructure (ARCHITECTURE rule, issue 11): security/ and auth/ import
 * protocol/, model/, each other, the logger, the config type, zod, and the store *interfaces*; never Hono,
 * postgres.js, a store implementation, routes/, or a Deno API. Tests beside the code may use anything.
 */
import { assertEquals } from "@std/assert";

const ROOT = new URL("../", import.meta.url);
const DOMAINS = ["security", "auth"];
const STORE_INTERFACES = new Set([
  "store/mod.ts",
  "store/auth.ts",
  "store/station_security.ts",
  "store/security_events.ts",
]);

/** Why `specifier`, imported by `file` (relative to the root), breaks the rule; null when allowed. */
function problem(file: string, specifier: string): string | null {
  if (specifier === "zod") return null;
  if (!specifier.startsWith(".")) return `imports the package "${specifier}"`;
  const target = new URL(specifier, new URL(file, ROOT)).href.slice(ROOT.href.length);
  const folder = target.split("/")[0] ?? "";
  if (["protocol", "model", ...DOMAINS].includes(folder)) return null;
  if (target === "logger.ts" || target === "config.ts") return null;
  if (STORE_INTERFACES.has(target)) return null;
  return `imports ${target}`;
}

async function sources(folder: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(new URL(`${folder}/`, ROOT))) {
    if (entry.isFile && /\.tsx?$/.test(entry.name) && !entry.name.endsWith("_test.ts")) {
      out.push(`${folder}/${entry.name}`);
    }
  }
  return out.sort();
}

Deno.test("security/ and auth/ import no Hono, no database, no store implementation, no routes and no Deno API", async () => {
  const problems: string[] = [];
  for (const folder of DOMAINS) {
    for (const file of await sources(folder)) {
      const text = await Deno.readTextFile(new URL(file, ROOT));
      for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)[^"';]*?from\s+"([^"]+)"/g)) {
        const why = problem(file, match[1] as string);
        if (why) problems.push(`${file} ${why}`);
      }
      for (const match of text.matchAll(/import\(\s*"([^"]+)"\s*\)/g)) {
        const why = problem(file, match[1] as string);
        if (why) problems.push(`${file} ${why}`);
      }
      // Code, not comments: a line that is not a comment and calls a Deno API.
      const code = text.split("\n").filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)).join("\n");
      if (/\bDeno\.[a-zA-Z]/.test(code)) problems.push(`${file} uses a Deno API`);
    }
  }
  assertEquals(problems, []);
});

/**
 * What the server loads when it starts: its static module graph (`deno info`), dynamic imports left out. A
 * package that only one rarely used feature needs is imported when that feature runs.
 */
import { assertEquals } from "@std/assert";

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** The npm packages main.ts reaches through static imports (type-only imports load nothing). */
async function staticNpmImports(): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: new URL("../", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { roots: string[]; modules: InfoModule[] };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const npm = new Set<string>();
  const walk = (specifier: string) => {
    if (seen.has(specifier)) return;
    seen.add(specifier);
    if (specifier.startsWith("npm:")) npm.add(specifier.slice(4).replace(/@[^@/]*$/, ""));
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) walk(dep.code.specifier);
    }
  };
  for (const root of info.roots) walk(root);
  return npm;
}

Deno.test("the server starts without npm ocpp-rpc and ajv: the simulator loads them when a virtual station connects", async () => {
  const npm = await staticNpmImports();
  // The graph is read: the server's own packages are in it.
  assertEquals(["hono", "zod", "ws"].every((p) => npm.has(p)), true, [...npm].join(", "));
  // ~20 MB of RSS and a few hundred ms of start-up for a feature most deployments never use.
  assertEquals([...npm].filter((p) => p === "ocpp-rpc" || p.startsWith("ajv")), []);
});

/**
 * How many scavenges (young-generation collections) a script causes, run in a process of its own with a 1 MB
 * young generation: a loop that allocates nothing causes none, one that allocates ~150 bytes a turn dozens.
 * For tests that a hot path stops feeding the collector.
 */
export async function scavengesOf(script: string): Promise<number> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, script);
    const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--trace-gc,--max-semi-space-size=1", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) throw new Error(`The script failed: ${new TextDecoder().decode(stderr)}`);
    return new TextDecoder().decode(stdout).split("\n").filter((l) => l.includes("Scavenge")).length;
  } finally {
    await Deno.remove(file);
  }
}

/** An import statement for a module next to `base` (an `import.meta.url`), for a script given to `scavengesOf`. */
export function importOf(names: string, path: string, base: string): string {
  return `import { ${names} } from ${JSON.stringify(new URL(path, base).href)};`;
}

/**
 * Pinning a child process to one core with `taskset -c <core>` (util-linux), so that a server and its load
 * generators do not compete for the same core. `taskset` execs the program, so the child's pid is the
 * program's own.
 */
let available: boolean | undefined;

export function tasksetAvailable(): boolean {
  if (available === undefined) {
    try {
      available = new Deno.Command("taskset", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync()
        .success;
    } catch {
      available = false;
    }
  }
  return available;
}

/** `[program, args]` for a command run on `core` (or as is when `core` is null). */
export function pinned(core: number | null, program: string, args: string[]): [string, string[]] {
  if (core === null) return [program, args];
  if (!tasksetAvailable()) {
    throw new Error(
      `Cannot pin "${program}" to core ${core}: taskset is missing (apt-get install util-linux)`,
    );
  }
  return ["taskset", ["-c", String(core), program, ...args]];
}

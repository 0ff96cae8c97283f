import { parseArgs, type ParseArgsConfig } from "node:util";
/**
 * How command-line entry points fail: one line on stderr (`error: Invalid settings: ...`) and an exit code,
 * never a stack trace. Usage mistakes exit with 2, everything else with 1.
 *
 * @example
 * ```ts ignore
 * await runTask(async () => {
 *   if (!name) fail("A username is required");
 * });
 * ```
 */

/** A mistake on the command line (exit code 2 unless said otherwise). */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

/** Ends the task with `message` as its one line. */
export function fail(message: string, exitCode = 2): never {
  throw new UsageError(message, exitCode);
}

/** `error: <message>` on one line, whatever the error was. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${message.replace(/\s+/g, " ").trim()}`;
}

/** Runs `main`; a thrown error is printed as one line and the process exits with its code. */
export async function runTask(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    console.error(errorLine(error));
    Deno.exit(error instanceof UsageError ? error.exitCode : 1);
  }
}

/** `parseArgs` of `Deno.args`; an unknown option or a missing value ends the task with its one line. */
export function parseArgsOrExit<T extends Omit<ParseArgsConfig, "args">>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T & { args: string[] }>> {
  try {
    return parseArgs({ ...config, args: Deno.args });
  } catch (error) {
    console.error(`${errorLine(error)}. ${usage}`);
    Deno.exit(2);
  }
}

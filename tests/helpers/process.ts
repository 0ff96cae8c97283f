/** Runs the real server (`main.ts`) as a child process, for restart and crash tests. */
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface ServerProcess {
  port: number;
  wsUrl: string;
  url: string;
  child: Deno.ChildProcess;
  /** Every JSON log line printed so far. */
  logs: Record<string, unknown>[];
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** `denoArgs`: what comes before main.ts (default `run -A`), e.g. narrower permissions. */
export async function spawnServer(
  env: Record<string, string>,
  denoArgs: string[] = ["run", "-A"],
): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...denoArgs, MAIN],
    env: { PORT: "0", HOSTNAME: "127.0.0.1", ...env },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const logs: Record<string, unknown>[] = [];
  let resolvePort!: (port: number) => void;
  const portKnown = new Promise<number>((r) => (resolvePort = r));
  const reading = (async () => {
    const lines = child.stdout.pipeThrough(new TextDecoderStream());
    let buffer = "";
    for await (const chunk of lines) {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          const entry = JSON.parse(line);
          logs.push(entry);
          if (entry.msg === "listening") resolvePort(Number(new URL(entry.url).port));
        } catch {
          // Not a log line.
        }
      }
    }
  })();
  const port = await Promise.race([
    portKnown,
    child.status.then((s) => Promise.reject(new Error(`Server exited early with ${s.code}`))),
  ]);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ocpp`,
    child,
    logs,
    async kill(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
      const status = await child.status;
      await reading;
      return status;
    },
  };
}

/** Runs `command` with `args` in `cwd`, `stdin` written to it when given; its collected output. */
export async function runWithInput(
  command: string,
  args: string[],
  cwd: string,
  stdin?: string,
): Promise<Deno.CommandOutput> {
  const child = new Deno.Command(command, {
    args,
    cwd,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  return await child.output();
}

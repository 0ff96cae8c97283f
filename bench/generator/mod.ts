/**
 * One load-generator process (`deno run -A bench/generator/mod.ts '<GeneratorConfig JSON>'`), driven by the
 * benchmark in JSON lines: requests `{"id":1,"cmd":"connect",...}` on stdin, answers
 * `{"type":"reply","id":1,"result":...}` (or `"type":"error"`) on stdout, and `{"type":"progress",...}` every
 * second while stations connect. Commands: `connect` (ConnectOptions), `run` (RunOptions), `mark`, `stop`
 * (`drainMs`), `close`, `exit`. See `load_generator.ts` for what each does.
 */
import { readLines } from "../lines.ts";
import { type GeneratorConfig, LoadGenerator } from "./load_generator.ts";

export interface GeneratorRequest {
  id: number;
  cmd: "connect" | "run" | "mark" | "stop" | "close" | "exit";
  [option: string]: unknown;
}

async function main(): Promise<void> {
  const config = JSON.parse(Deno.args[0] ?? "{}") as GeneratorConfig;
  const out = (message: unknown) => console.log(JSON.stringify(message));
  const generator = new LoadGenerator(config);
  const handle = async (request: GeneratorRequest): Promise<unknown> => {
    const { id: _, cmd, ...options } = request;
    switch (cmd) {
      case "connect": {
        const progress = setInterval(() => out({ type: "progress", ...generator.counters }), 1000);
        try {
          return await generator.connect(options as unknown as Parameters<LoadGenerator["connect"]>[0]);
        } finally {
          clearInterval(progress);
        }
      }
      case "run":
        return generator.run(options as unknown as Parameters<LoadGenerator["run"]>[0]);
      case "mark":
        return generator.mark();
      case "stop":
        return await generator.stop(Number(options.drainMs ?? 5000));
      case "close":
        return await generator.close();
      case "exit":
        await generator.close(1000);
        Deno.exit(0);
    }
    throw new Error(`Unknown command "${cmd}"`);
  };
  await readLines(Deno.stdin.readable, (line) => {
    if (!line.trim()) return;
    const request = JSON.parse(line) as GeneratorRequest;
    handle(request).then(
      (result) => out({ type: "reply", id: request.id, result: result ?? null }),
      (error) => out({ type: "error", id: request.id, message: String(error?.stack ?? error) }),
    );
  });
  await generator.close(1000);
  Deno.exit(0);
}

if (import.meta.main) await main();

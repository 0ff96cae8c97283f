/**
 * `deno task bench`: load benchmarks of the Central System.
 *
 *   deno task bench                                   # KV, 5,000 stations, 60 s steady (~2 minutes)
 *   deno task bench --stations 19000 --processes 2    # one server process near its file limit
 *   deno task bench --store postgres --stations 5000
 *   deno task bench --peers                           # ours vs raw Deno and ocpp-rpc, as ratios (~10 minutes)
 *   deno task bench --peers --quick                   # the same, short (~2 minutes)
 *
 * Flags: see `options.ts` and bench/README.md. The scenarios live in `scenarios/`.
 */
import { parseOptions } from "./options.ts";
import { resultMeta } from "./results.ts";
import { runLoad } from "./scenarios/load.ts";
import { runPeers } from "./scenarios/peers.ts";
import { log } from "./timeline.ts";

/** Runs the benchmark the flags ask for; resolves with the exit code. */
export async function main(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const meta = resultMeta();
  return options.kind === "peers" ? await runPeers(options, meta) : await runLoad(options, meta);
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    code = 2;
  }
  Deno.exit(code);
}

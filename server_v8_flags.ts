/**
 * The V8 flags the server runs with: `deno task start` and `deno task dev` (deno.json), every worker of
 * WORKERS=N, and our servers in the benchmark. (V8 takes them only on the command line or in DENO_V8_FLAGS:
 * `node:v8`'s setFlagsFromString does nothing here.)
 *
 * `--no-allocation-site-pretenuring`: V8 watches which allocation sites' objects survive the young generation
 * and, when most do, allocates them in the old one from then on. A boot burst (every station's objects live
 * on) or a slow moment taught it that of sites on the message path, whose objects die within milliseconds
 * after: then every scavenge carried ~5 MB into the old generation and paused the event loop 20-30 ms instead
 * of 2-6, in 2 of 4 runs of the same code (p99 at 5,000 msgs/s 108-128 ms against 13). Without it: 1.4-2.9 ms
 * scavenges in every run, and 6% less CPU per message on PostgreSQL (bench/README.md, "Twentieth round").
 */
export const SERVER_V8_FLAGS: readonly string[] = ["--no-allocation-site-pretenuring"];

/** The `deno run` argument that passes them (with `extra` flags first, e.g. the benchmark's `--expose-gc`). */
export function v8FlagsArg(extra: readonly string[] = []): string {
  return `--v8-flags=${[...extra, ...SERVER_V8_FLAGS].join(",")}`;
}

/**
 * What Deno KV's expiry index costs a write (store/kv/expiry_index.ts): a KV file of `rows` values of 300
 * bytes at scattered keys (`stations` prefixes, as meter value groups are), copied twice per pair: one copy
 * as Deno KV made it (every key in `kv_expiration_ms_idx`), one with the index made partial. On each copy, in
 * a child pinned to core 1: `commits` atomics of 300 scattered writes each, with 20 point reads before each
 * (a group commit's shape). Prints the SQLite thread's CPU (`sw-*`, /proc stat) and the wall time, alternated
 * `pairs` times. Run it outside a benchmark (it uses core 1).
 *
 * ```sh
 * deno run -A bench/kv_expiry_index.ts [rows=200000] [stations=5000] [commits=200] [pairs=3]
 * ```
 */
import { makeExpiryIndexPartial } from "../store/kv/expiry_index.ts";
import { readThreadCpu } from "./proc.ts";

const [rows = 200_000, stations = 5_000, commits = 200, pairs = 3] = Deno.args.map(Number);
const VALUE_BYTES = 300;
const keyOf = (i: number): Deno.KvKey => ["mv_cp", `CP-${(i * 7919) % stations}`, `t${i}`];

if (Deno.env.get("KV_EXPIRY_CHILD")) {
  const kv = await Deno.openKv(Deno.env.get("KV_EXPIRY_CHILD")!);
  const value = new Uint8Array(VALUE_BYTES).fill(9);
  // KV's SQLite threads ("sw-0", ...), from the project's per-thread reader.
  const sqliteCpuMs = () =>
    Object.entries(readThreadCpu(Deno.pid)).reduce(
      (ms, [name, s]) => name.startsWith("sw-") ? ms + s * 1000 : ms,
      0,
    );
  let seed = 1;
  const next = () => (seed = (seed * 48271) % 2147483647);
  const cpu0 = sqliteCpuMs();
  const t0 = performance.now();
  for (let c = 0; c < commits; c++) {
    await kv.getMany(Array.from({ length: 10 }, () => keyOf(next() % rows)));
    await kv.getMany(Array.from({ length: 10 }, () => keyOf(next() % rows)));
    const op = kv.atomic();
    for (let j = 0; j < 300; j++) op.set(["mv_cp", `CP-${next() % stations}`, `u${c}-${j}`], value);
    await op.commit();
  }
  console.log(JSON.stringify({ sqliteMs: sqliteCpuMs() - cpu0, wallMs: performance.now() - t0 }));
  kv.close();
  Deno.exit(0);
}

const dir = await Deno.makeTempDir();
const base = `${dir}/base.kv`;
{
  const kv = await Deno.openKv(base);
  const value = new Uint8Array(VALUE_BYTES).fill(7);
  for (let i = 0; i < rows; i += 500) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(rows, i + 500); j++) op.set(keyOf(j), value);
    await op.commit();
  }
  kv.close();
}
console.log(
  `file of ${rows} values at ${stations} prefixes: ${((await Deno.stat(base)).size / 1e6).toFixed(1)} MB`,
);

async function run(partial: boolean): Promise<{ sqliteMs: number; wallMs: number }> {
  const path = `${dir}/run.kv`;
  for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(path + suffix).catch(() => {});
  await Deno.copyFile(base, path);
  if (partial) makeExpiryIndexPartial(path);
  const out = await new Deno.Command("taskset", {
    args: ["-c", "1", Deno.execPath(), "run", "-A", "--unstable-kv", import.meta.filename!],
    env: { KV_EXPIRY_CHILD: path },
    stderr: "inherit",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

for (let p = 0; p < pairs; p++) {
  for (const partial of [false, true]) {
    const r = await run(partial);
    console.log(
      `${partial ? "partial" : "full   "}: SQLite thread ${r.sqliteMs.toFixed(0)} ms, wall ${
        r.wallMs.toFixed(0)
      } ms`,
    );
  }
}
await Deno.remove(dir, { recursive: true });

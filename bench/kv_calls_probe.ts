/**
 * Our server (`main.ts`, unchanged) with every Deno KV call counted: calls, keys read, checks and writes, by
 * the key's first part, and the CPU and bytes written of each thread (`sw-0` is KV's SQLite thread). SIGUSR1 writes the counts
 * since the last signal to COUNT_FILE as JSON and starts again. Used by `kv_calls.ts`; measures, not for
 * production.
 */
type Counts = Record<string, number>;
let c: Counts = {};
const inc = (k: string, n = 1) => (c[k] = (c[k] ?? 0) + n);
const kind = (key: Deno.KvKey) => String(key[0]);
const P = Deno.Kv.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
const get = P.get!, getMany = P.getMany!, list = P.list!, atomic = P.atomic!;
P.get = function (this: unknown, key: unknown, ...rest: unknown[]) {
  inc("call get");
  inc(`get key ${kind(key as Deno.KvKey)}`);
  return get.call(this, key, ...rest);
};
P.getMany = function (this: unknown, keys: unknown, ...rest: unknown[]) {
  inc("call getMany");
  inc("getMany keys", (keys as unknown[]).length);
  for (const k of keys as Deno.KvKey[]) inc(`getMany key ${kind(k)}`);
  return getMany.call(this, keys, ...rest);
};
P.list = function (this: unknown, sel: unknown, ...rest: unknown[]) {
  const s = sel as { prefix?: Deno.KvKey; start?: Deno.KvKey };
  inc("call list");
  inc(`list ${kind((s.prefix ?? s.start)!)}`);
  return list.call(this, sel, ...rest);
};
P.atomic = function (this: unknown) {
  const op = atomic.call(this) as Deno.AtomicOperation;
  const o = op as unknown as Record<string, (...a: unknown[]) => unknown>;
  const check = o.check!.bind(op),
    mutate = o.mutate!.bind(op),
    set = o.set!.bind(op),
    del = o.delete!.bind(op),
    commit = o.commit!.bind(op);
  o.check = (...cs: unknown[]) => {
    for (const x of cs as Deno.AtomicCheck[]) inc(`check ${kind(x.key)}`);
    inc("checks", cs.length);
    check(...cs);
    return op;
  };
  o.mutate = (...ms: unknown[]) => {
    for (const m of ms as Deno.KvMutation[]) inc(`write ${kind(m.key)}`);
    inc("writes", ms.length);
    mutate(...ms);
    return op;
  };
  o.set = (k: unknown, v: unknown, x?: unknown) => {
    inc(`write ${kind(k as Deno.KvKey)}`);
    inc("writes");
    set(k, v, x);
    return op;
  };
  o.delete = (k: unknown) => {
    inc(`write ${kind(k as Deno.KvKey)}`);
    inc("writes");
    del(k);
    return op;
  };
  o.commit = async () => {
    inc("call commit");
    const r = await commit();
    if (!(r as Deno.KvCommitResult).ok) inc("commit failed");
    return r;
  };
  return op;
};
/**
 * Per thread name: CPU in µs (schedstat's run time, in ns: finer than stat's 10 ms ticks) and bytes written
 * (`io` wchar: for `sw-0` what SQLite wrote to the WAL and the file).
 */
function threads(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of Deno.readDirSync("/proc/self/task")) {
    try {
      const dir = `/proc/self/task/${t.name}`;
      const stat = Deno.readTextFileSync(`${dir}/stat`);
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const runNs = Number(Deno.readTextFileSync(`${dir}/schedstat`).split(" ")[0]);
      const io = Deno.readTextFileSync(`${dir}/io`);
      const wchar = Number(/wchar: (\d+)/.exec(io)?.[1] ?? 0);
      const syscw = Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0);
      out[name] = (out[name] ?? 0) + runNs / 1000;
      out[`${name} bytes`] = (out[`${name} bytes`] ?? 0) + wchar;
      out[`${name} writes`] = (out[`${name} writes`] ?? 0) + syscw;
    } catch { /* gone */ }
  }
  return out;
}
let t0 = threads();
Deno.addSignalListener("SIGUSR1", () => {
  const t1 = threads();
  const cpu: Record<string, number> = {};
  for (const k in t1) cpu[k] = t1[k]! - (t0[k] ?? 0);
  Deno.writeTextFileSync(Deno.env.get("COUNT_FILE")!, JSON.stringify({ counts: c, cpu }));
  c = {};
  t0 = t1;
});
await import("../main.ts");

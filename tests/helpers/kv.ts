/**
 * A Deno KV handle whose `getMany` a test sees: every call goes through `getMany(keys, read)`, where `read` is
 * the handle's own (to count the calls, or hold their answers back); everything else is the handle's.
 */
export type GetManyEntries = Deno.KvEntryMaybe<unknown>[];

export function withGetMany(
  kv: Deno.Kv,
  getMany: (keys: Deno.KvKey[], read: () => Promise<GetManyEntries>) => Promise<GetManyEntries>,
): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      if (name === "getMany") return (keys: Deno.KvKey[]) => getMany(keys, () => target.getMany(keys));
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** What one committed `atomic()` held: its checks' and mutations' keys. */
export interface SeenAtomic {
  checks: Deno.KvKey[];
  mutations: { type: Deno.KvMutation["type"]; key: Deno.KvKey }[];
}

/**
 * A Deno KV handle whose atomics a test sees: each one's checks and mutations are told to `seen` as it
 * commits (whatever the outcome); everything else is the handle's.
 */
export function withAtomics(kv: Deno.Kv, seen: (atomic: SeenAtomic) => void): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      if (name === "atomic") {
        return () => {
          const op = target.atomic();
          const atomic: SeenAtomic = { checks: [], mutations: [] };
          const proxy: Deno.AtomicOperation = new Proxy(op, {
            get(o, n) {
              const value = Reflect.get(o, n);
              if (typeof value !== "function") return value;
              return (...args: unknown[]) => {
                if (n === "check") { for (const c of args as Deno.AtomicCheck[]) atomic.checks.push(c.key); }
                if (n === "mutate") {
                  for (const m of args as Deno.KvMutation[]) {
                    atomic.mutations.push({ type: m.type, key: m.key });
                  }
                }
                if (n === "set") atomic.mutations.push({ type: "set", key: args[0] as Deno.KvKey });
                if (n === "delete") atomic.mutations.push({ type: "delete", key: args[0] as Deno.KvKey });
                if (n === "commit") seen(atomic);
                const out = value.apply(o, args);
                return out === o ? proxy : out;
              };
            },
          });
          return proxy;
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A Deno KV handle whose `list()` calls count the entries they yield into `listed.entries`. */
export function withCountedLists(kv: Deno.Kv, listed: { entries: number }): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (name !== "list") return typeof value === "function" ? value.bind(target) : value;
      return (...args: Parameters<Deno.Kv["list"]>) => {
        const iterator = target.list(...args);
        return {
          async *[Symbol.asyncIterator]() {
            for await (const entry of iterator) {
              listed.entries++;
              yield entry;
            }
          },
        };
      };
    },
  });
}

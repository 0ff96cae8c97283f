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

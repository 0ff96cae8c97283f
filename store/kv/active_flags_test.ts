import { assertEquals } from "@std/assert";
import type { TransactionFlag } from "../../model/transaction_flag.ts";
import { KvTransactionFlagStore } from "./fleet_records.ts";

const flag = (transactionId: number): TransactionFlag => ({
  transactionId,
  kind: "open_after_reboot",
  chargePointId: `CP-${transactionId}`,
  connectorId: 1,
  at: "2026-12-06T05:00:00.000Z",
  details: { startedAt: "2026-12-06T04:00:00.000Z" },
});

/** The keys a KV handle is asked for (get, getMany) and the entries its lists yield. */
function counting(kv: Deno.Kv) {
  const read = { keys: 0, listed: 0 };
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "getMany") {
        return (keys: Deno.KvKey[]) => {
          read.keys += keys.length;
          return target.getMany(keys);
        };
      }
      if (prop === "list") {
        return async function* (selector: Deno.KvListSelector, options?: Deno.KvListOptions) {
          for await (const entry of target.list(selector, options)) {
            read.listed++;
            yield entry;
          }
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: proxy, read };
}

Deno.test("KV listActiveFlags: the flags of sessions that ended before the oldest running one are never read, and only running sessions' flags are fetched", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const writer = new KvTransactionFlagStore(kv);
    // A long history: 500 sessions flagged open after a reboot, all ended since.
    for (let id = 1; id <= 500; id++) await writer.addFlag(flag(id));
    // 50 running sessions, newer, one of them flagged.
    for (let i = 0; i < 50; i++) await kv.set(["tx_open", `CP-R${i}`, 1], 1000 + i);
    await writer.addFlag(flag(1020));
    const { kv: watched, read } = counting(kv);
    const flags = await new KvTransactionFlagStore(watched).listActiveFlags({
      kind: "open_after_reboot",
      limit: 20_000,
    });
    assertEquals(flags, [flag(1020)]);
    assertEquals(read.keys, 1, "only the running flagged session's flag is fetched");
    assertEquals(
      read.listed,
      50 + 1,
      "the running sessions' pointers, then the kind's pointers from the oldest on",
    );
  } finally {
    kv.close();
  }
});

import { assertEquals } from "@std/assert";
import { at, startInput, stopInput } from "../contract/harness.ts";
import { KvStore, openKvHandle } from "./mod.ts";

/** `kv` whose list() calls count the entries they yield into `listed`. */
function countingLists(kv: Deno.Kv, listed: { entries: number }): Deno.Kv {
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== "list") return typeof value === "function" ? value.bind(target) : value;
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

Deno.test("KV: a station's active transactions are listed from its open pointers, not its history", async () => {
  const listed = { entries: 0 };
  const store = new KvStore(countingLists(await openKvHandle(":memory:"), listed));
  try {
    for (let i = 0; i < 200; i++) {
      const { transaction } = await store.startTransaction(startInput({ meterStart: i, timestamp: at(i) }));
      await store.stopTransaction(stopInput(transaction.transactionId, { timestamp: at(i + 0.5) }));
    }
    const running =
      (await store.startTransaction(startInput({ connectorId: 2, timestamp: at(500) }))).transaction;
    listed.entries = 0;
    const active = await store.listTransactions({ chargePointId: "CP-1", status: "active", limit: 50 });
    assertEquals(active.map((t) => t.transactionId), [running.transactionId]);
    assertEquals(listed.entries, 1);
  } finally {
    await store.close();
  }
});

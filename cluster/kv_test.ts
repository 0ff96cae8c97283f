/** The Deno KV cluster bus as two nodes use it: a message its node has not read can be withdrawn. */
import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { eventually } from "../tests/helpers/server.ts";
import { openKvCluster } from "./kv.ts";
import type { BusMessage } from "./mod.ts";

Deno.test("withdraw takes back a message its node has not read, and not one it has", async () => {
  const kv = await Deno.openKv(":memory:");
  const logger = createMemoryLogger();
  const a = openKvCluster(kv, { nodeId: "a", logger, pollMs: 50 });
  const unread = await a.bus.send("b", { kind: "hello", n: 1 });
  assertEquals(await a.bus.withdraw("b", unread), true);
  assertEquals(await a.bus.withdraw("b", unread), false);
  const b = openKvCluster(kv, { nodeId: "b", logger, pollMs: 50 });
  const got: BusMessage[] = [];
  b.bus.onMessage((m) => got.push(m));
  try {
    const read = await a.bus.send("b", { kind: "hello", n: 2 });
    await eventually(() => got.length >= 1, 5000, "the second message");
    assertEquals(await a.bus.withdraw("b", read), false);
    assertEquals(got.map((m) => m.n), [2]);
  } finally {
    await a.close();
    await b.close();
    kv.close();
  }
});

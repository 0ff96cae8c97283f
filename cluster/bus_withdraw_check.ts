/**
 * What every cluster bus promises of `withdraw` (its tests run it on their backend): a message its node has
 * not read is taken back, once; one it has read is not.
 */
import { assertEquals } from "@std/assert";
import { eventually } from "../tests/helpers/server.ts";
import type { BusMessage, ClusterBackend } from "./mod.ts";

export async function checkWithdraw(open: (nodeId: string) => Promise<ClusterBackend>): Promise<void> {
  const a = await open("a");
  const unread = await a.bus.send("b", { kind: "hello", n: 1 });
  assertEquals(await a.bus.withdraw("b", unread), true);
  assertEquals(await a.bus.withdraw("b", unread), false);
  const b = await open("b");
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
  }
}

/** The Deno KV cluster bus as two nodes use it: a message its node has not read can be withdrawn. */
import { createMemoryLogger } from "../logger.ts";
import { checkWithdraw } from "./bus_withdraw_check.ts";
import { openKvCluster } from "./kv.ts";
import { checkPresenceTie } from "./presence_tie_check.ts";

Deno.test("withdraw takes back a message its node has not read, and not one it has", async () => {
  const kv = await Deno.openKv(":memory:");
  const logger = createMemoryLogger();
  try {
    await checkWithdraw((nodeId) => Promise.resolve(openKvCluster(kv, { nodeId, logger, pollMs: 50 })));
  } finally {
    kv.close();
  }
});

Deno.test("a tie between two connections of a station goes to the node the registries keep (KV)", async () => {
  const kv = await Deno.openKv(":memory:");
  const logger = createMemoryLogger();
  try {
    await checkPresenceTie((nodeId) => Promise.resolve(openKvCluster(kv, { nodeId, logger, pollMs: 50 })));
  } finally {
    kv.close();
  }
});

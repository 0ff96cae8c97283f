/** The in-process cluster bus (tests' nodes) keeps the promise of the real ones about `withdraw`. */
import { checkWithdraw } from "./bus_withdraw_check.ts";
import { MemoryClusterHub } from "./memory.ts";
import { checkPresenceTie } from "./presence_tie_check.ts";

Deno.test("withdraw takes back a message its node has not read, and not one it has (memory bus)", async () => {
  const hub = new MemoryClusterHub();
  await checkWithdraw((nodeId) => Promise.resolve(hub.backend(nodeId)));
});

Deno.test("a tie between two connections of a station goes to the node the registries keep (memory)", async () => {
  const hub = new MemoryClusterHub();
  await checkPresenceTie((nodeId) => Promise.resolve(hub.backend(nodeId)));
});

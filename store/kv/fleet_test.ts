import { fleetContract } from "../contract/fleet.ts";
import { KvStore, openKvHandle } from "./mod.ts";
import { kvFleetStore } from "./fleet.ts";

fleetContract("kv", async () => {
  const kv = await openKvHandle(":memory:");
  // The Store owns the shared handle (as in store/open.ts): the fleet store leaves it open.
  return { fleet: kvFleetStore(kv), store: new KvStore(kv), cleanup: async () => {} };
});

fleetContract("kv file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fleet_kv_test_" });
  const kv = await openKvHandle(`${dir}/nested/fleet.kv`);
  return {
    fleet: kvFleetStore(kv),
    store: new KvStore(kv),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

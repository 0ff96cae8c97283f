import { energyContract } from "../contract/energy.ts";
import { openKvEnergyStore } from "./energy.ts";

energyContract("kv", async (options) => ({
  store: await openKvEnergyStore(":memory:", options),
  cleanup: async () => {},
}));

energyContract("kv file", async (options) => {
  const dir = await Deno.makeTempDir({ prefix: "energy_kv_test_" });
  return {
    store: await openKvEnergyStore(`${dir}/nested/energy.kv`, options),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

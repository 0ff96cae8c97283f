import { assertEquals } from "@std/assert";
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

Deno.test("KV energy: a station's profile support written before load management shared what it learns reads as nothing learnt", async () => {
  const dir = await Deno.makeTempDir({ prefix: "energy_kv_test_" });
  try {
    const path = `${dir}/energy.kv`;
    const kv = await Deno.openKv(path);
    const old = {
      chargePointId: "CP-1",
      refusedReason: null,
      txDefaultOnly: true,
      updatedAt: "2026-12-01T00:00:00Z",
    };
    await kv.set(["cprofile_support", "CP-1"], old);
    kv.close();
    const store = await openKvEnergyStore(path);
    try {
      assertEquals(await store.getChargingProfileSupport("CP-1"), {
        ...old,
        stationDefaultRejected: false,
        unanswered: null,
      });
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

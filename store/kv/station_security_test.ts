import { stationSecurityContract } from "../contract/station_security.ts";
import { openKvStationSecurityStore } from "./station_security.ts";

stationSecurityContract("kv", async (retention) => ({
  store: await openKvStationSecurityStore(":memory:", retention),
  cleanup: async () => {},
}));

stationSecurityContract("kv file", async (retention) => {
  const dir = await Deno.makeTempDir({ prefix: "station_security_kv_test_" });
  return {
    store: await openKvStationSecurityStore(`${dir}/nested/security.kv`, retention),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

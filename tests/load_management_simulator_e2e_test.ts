/**
 * Load management against the virtual stations of simulator/: they apply the profiles they accept to the
 * power their cars draw and report it (Current.Import every second), so the site's measured current shows
 * whether the division really happens at the plugs. A 32 A site, four stations with 22 kW cars.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { startFleet } from "./helpers/simulation.ts";
import type { SiteDetail } from "../components/types.ts";

const IDS = ["LM-1", "LM-2", "LM-3", "LM-4"];

Deno.test("virtual stations on a 32 A site draw what they are given: starts, a stop, 16 A, a reboot", async () => {
  const server = await startApiServer({ ENERGY_REBALANCE_INTERVAL_S: "1" });
  const fleet = await startFleet(server, {
    stations: 4,
    connectors: 1,
    prefix: "LM-",
    ev: { maxPowerW: 22_000, socPercent: 10 },
  }).catch(async (error) => {
    await server.close();
    throw error;
  });
  try {
    assertEquals(
      (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "CARD-1" } })).status,
      201,
    );
    const put = (maxCurrentA: number) =>
      server.json("/api/v1/sites/depot", {
        method: "PUT",
        body: { name: "Depot", maxCurrentA, chargePointIds: IDS },
        as: "operator",
      });
    assertEquals((await put(32)).status, 201);

    /** What each station enforces now on its connector, as its own composite schedule says. */
    const enforced = (id: string) =>
      fleet.station(id).compositeSchedule(1, 60, "A").chargingSchedulePeriod[0]?.limit ?? null;
    const site = async () => (await server.json<SiteDetail>("/api/v1/sites/depot", { as: "viewer" })).body;

    const settled = async (expected: Record<string, number>, limitA: number, what: string) => {
      await eventually(
        () => Object.entries(expected).every(([id, limit]) => enforced(id) === limit),
        15_000,
        `${what}: ${JSON.stringify(expected)}, enforced ${JSON.stringify(IDS.map(enforced))}`,
      );
      const sum = Object.keys(expected).reduce((a, id) => a + enforced(id)!, 0);
      assert(sum <= limitA + 1e-9, `${what}: the stations enforce ${sum} A`);
      // The cars follow: the site's measured current comes to what it allocated, never above the limit.
      await eventually(
        async () => {
          const a = (await site()).allocation;
          return a !== null && a.measuredA !== null && Math.abs(a.measuredA - sum) <= 0.5 &&
            a.chargers.every((c) => c.measuredA !== null && c.measuredA <= c.limitA + 0.1);
        },
        15_000,
        `${what}: measured current close to ${sum} A`,
      );
    };

    const expected = [
      { "LM-1": 32 },
      { "LM-1": 16, "LM-2": 16 },
      { "LM-1": 10.7, "LM-2": 10.7, "LM-3": 10.6 },
      { "LM-1": 8, "LM-2": 8, "LM-3": 8, "LM-4": 8 },
    ];
    for (const [i, id] of IDS.entries()) {
      const station = fleet.station(id);
      station.plugIn(1);
      const started = await station.startTransaction(1, "CARD-1");
      assert(started.transactionId !== undefined, JSON.stringify(started));
      await settled(expected[i]!, 32, `after ${id} started`);
    }

    fleet.station("LM-2").stopTransaction(1);
    await settled({ "LM-1": 10.7, "LM-3": 10.7, "LM-4": 10.6 }, 32, "after LM-2 stopped");

    assertEquals((await put(16)).status, 200);
    await settled({ "LM-1": 8, "LM-3": 8, "LM-4": 0 }, 16, "after the limit dropped to 16 A");

    // LM-1 reboots (its transaction ends with HardReset) and gets load management's TxDefaultProfile again.
    const before = new Date().toISOString();
    await fleet.station("LM-1").reboot("Hard");
    await fleet.station("LM-1").whenAccepted(10_000);
    await eventually(
      async () => {
        const log = await server.json(`/api/v1/charge-points/LM-1/commands`, { as: "viewer" });
        return log.body.items.some((
          e: { action: string; requestedAt: string; payload: { connectorId: number } },
        ) => e.action === "SetChargingProfile" && e.requestedAt > before && e.payload.connectorId === 0);
      },
      10_000,
      "LM-1's TxDefaultProfile sent again",
    );
    // Its capacity went to the session that waited.
    await settled({ "LM-3": 8, "LM-4": 8 }, 16, "after LM-1 rebooted");
  } finally {
    await fleet.stop();
    await server.close();
  }
});

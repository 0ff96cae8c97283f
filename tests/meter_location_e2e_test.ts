/**
 * A 1.6 station that reports its energy register at the inlet (the grid side) as well as at the outlet: a
 * running session's energy, the overview's energy today and the transaction page's chart follow the outlet's
 * meter, not the sum of both; a station that reports only its inlet has that followed. A strict ocpp-rpc
 * station, the API and the page over HTTP, on KV and PostgreSQL.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const register = (location: string, value: string) => ({
  value,
  location,
  measurand: "Energy.Active.Import.Register",
  unit: "Wh",
});

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: a session's running energy follows the outlet's meter when the inlet's is reported too`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation(server.wsUrl, "CP-INLET");
      try {
        const start = (connectorId: number) =>
          station.call("StartTransaction", {
            connectorId,
            idTag: "TAG-IN",
            meterStart: 1000,
            timestamp: ago(10),
          });
        const both = (await start(1)).transactionId as number;
        const reportedAt = ago(5);
        const inletOnly = (await start(2)).transactionId as number;
        await station.call("MeterValues", {
          connectorId: 1,
          transactionId: both,
          meterValue: [{
            timestamp: reportedAt,
            sampledValue: [register("Inlet", "2600"), register("Outlet", "2500")],
          }],
        });
        await station.call("MeterValues", {
          connectorId: 2,
          transactionId: inletOnly,
          meterValue: [{ timestamp: ago(5), sampledValue: [register("Inlet", "1800")] }],
        });
        const energy = await server.json(`/api/v1/transactions/energy?ids=${both},${inletOnly}`, {
          as: "viewer",
        });
        assertEquals(energy.body.items, [
          { transactionId: both, status: "active", energyWh: 1500 },
          { transactionId: inletOnly, status: "active", energyWh: 800 },
        ]);
        const overview = await server.json("/api/v1/overview", { as: "viewer" });
        assertEquals(overview.body.kpis.energyTodayWh, 2300);
        // The page's chart is given the outlet's readings (Wh), not the inlet's nor their sum.
        await server.json("/api/v1/users", {
          method: "POST",
          body: { username: "vera", role: "viewer", password: "vera-password-1" },
        });
        const cookie = await server.login("vera", "vera-password-1");
        const res = await fetch(`${server.url}/transactions/${both}`, { headers: { cookie } });
        assertEquals(res.status, 200);
        assertStringIncludes(
          await res.text(),
          `"readings":{"energy":[{"t":${Date.parse(reportedAt)},"v":2500}]`,
        );
      } finally {
        await closeStation(station);
      }
    });
  });

  Deno.test(`${kind}: a session's energy and chart follow the outlet's meter when the inlet's comes at other instants`, async () => {
    await withApiServer(kind, async (server) => {
      const station = await connectStation(server.wsUrl, "CP-INLET-CLOCK");
      try {
        const started = await station.call("StartTransaction", {
          connectorId: 1,
          idTag: "TAG-IN",
          meterStart: 1000,
          timestamp: ago(10),
        });
        const tx = started.transactionId as number;
        const sampledAt = ago(5);
        // Sampled at the outlet; clock-aligned at the inlet, a grid meter whose register counts for years.
        const report = (timestamp: string, location: string, value: string) =>
          station.call("MeterValues", {
            connectorId: 1,
            transactionId: tx,
            meterValue: [{ timestamp, sampledValue: [register(location, value)] }],
          });
        await report(sampledAt, "Outlet", "2500");
        await report(ago(2), "Inlet", "9000000");
        const energy = await server.json(`/api/v1/transactions/energy?ids=${tx}`, { as: "viewer" });
        assertEquals(energy.body.items, [{ transactionId: tx, status: "active", energyWh: 1500 }]);
        await server.json("/api/v1/users", {
          method: "POST",
          body: { username: "vera", role: "viewer", password: "vera-password-1" },
        });
        const cookie = await server.login("vera", "vera-password-1");
        const res = await fetch(`${server.url}/transactions/${tx}`, { headers: { cookie } });
        assertEquals(res.status, 200);
        assertStringIncludes(
          await res.text(),
          `"readings":{"energy":[{"t":${Date.parse(sampledAt)},"v":2500}]`,
        );
      } finally {
        await closeStation(station);
      }
    });
  });
}

/**
 * Virtual stations (simulator/) against the real server, driven only through the operator API as a user
 * would: boot and registration, remote start and stop with stored meter values, reset, configuration,
 * triggers, reservations, local lists, smart charging that changes the reported power, availability,
 * unlock, diagnostics and firmware, security profile 1, injected faults, and `deno task simulate` as a
 * process. Every station checks every frame against the official OCPP 1.6 schemas (ocpp-rpc strict mode);
 * each test ends by asserting that none failed.
 */
import { assert, assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { command, startFleet, type TestFleet } from "./helpers/simulation.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

async function chargePoint(server: ApiTestServer, id: string): Promise<Json> {
  const res = await server.json(`/api/v1/charge-points/${id}`, { as: "viewer" });
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function connectorStatus(
  server: ApiTestServer,
  id: string,
  connectorId: number,
): Promise<string | undefined> {
  const cp = await chargePoint(server, id);
  return cp.connectors.find((c: Json) => c.connectorId === connectorId)?.status;
}

async function transactions(server: ApiTestServer, query: string): Promise<Json[]> {
  const res = await server.json(`/api/v1/transactions?${query}`, { as: "viewer" });
  assertEquals(res.status, 200);
  return res.body.items;
}

async function transaction(server: ApiTestServer, transactionId: number): Promise<Json> {
  const res = await server.json(`/api/v1/transactions/${transactionId}`, { as: "viewer" });
  assertEquals(res.status, 200);
  return res.body;
}

/** Remote-starts through the API and waits for the transaction the server stored. */
async function remoteStart(
  server: ApiTestServer,
  id: string,
  connectorId: number,
  idTag: string,
): Promise<Json> {
  const res = await command(server, id, "RemoteStartTransaction", { connectorId, idTag });
  assertEquals([res.status, res.body.status], [200, "Accepted"]);
  return await eventually(
    async () => {
      const [tx] = await transactions(server, `chargePointId=${id}&connectorId=${connectorId}&status=active`);
      return tx;
    },
    5000,
    `transaction on ${id}/${connectorId}`,
  );
}

/** Stops the fleet and the server; the stations must not have seen or sent one invalid frame. */
async function finish(fleet: TestFleet, server: ApiTestServer) {
  const invalid = fleet.summary().invalidFrames;
  await fleet.stop();
  await server.close();
  assertEquals(invalid, 0, JSON.stringify(fleet.logs.filter((l) => l.msg === "invalid OCPP frame")));
}

async function addIdTag(server: ApiTestServer, idTag: string, extra: Record<string, unknown> = {}) {
  const res = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag, ...extra } });
  assertEquals(res.status, 201);
}

Deno.test("N virtual stations boot, report every connector and the station, and beat at the server's interval", async () => {
  const server = await startApiServer({ HEARTBEAT_INTERVAL_S: "1" });
  const fleet = await startFleet(server, { stations: 12, prefix: "FLEET-", connectors: 2 });
  try {
    const list = await eventually(
      async () => {
        const res = await server.json("/api/v1/charge-points?limit=100", { as: "viewer" });
        const items: Json[] = res.body.items.filter((i: Json) => i.id.startsWith("FLEET-"));
        const complete = items.length === 12 && items.every((i) => i.connectors.length === 3);
        return complete ? items : undefined;
      },
      10_000,
      "12 stations with 3 connector statuses",
    );
    for (const item of list ?? []) {
      assertEquals(item.online, true);
      assertEquals(item.registrationStatus, "Accepted");
      assertEquals(item.boot.chargePointVendor, "VirtualCharge");
      assertEquals(item.connectors.map((c: Json) => [c.connectorId, c.status]), [[0, "Available"], [
        1,
        "Available",
      ], [
        2,
        "Available",
      ]]);
    }
    assertEquals(fleet.station("FLEET-3").snapshot().heartbeatIntervalS, 1);
    const seen = (await chargePoint(server, "FLEET-3")).lastSeen;
    await eventually(async () => (await chargePoint(server, "FLEET-3")).lastSeen > seen, 3000, "a heartbeat");
    assert(fleet.station("FLEET-3").snapshot().stats.callsSent >= 5);
  } finally {
    await finish(fleet, server);
  }
});

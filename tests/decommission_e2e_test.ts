/**
 * Decommissioning a station, on Deno KV and on PostgreSQL, as an operator and the station would meet it:
 * `DELETE /api/v1/charge-points/{id}` (admin only; refused while a transaction runs) closes its socket with
 * 4003, every later handshake is refused with HTTP 404 before upgrading (a security event per window; a
 * process that has not heard of it yet closes the connection with 4003 at its actor's load and refuses the
 * next ones), and the station leaves the list, the overview and the alerts while its record and transactions
 * stay readable. `POST …/recommission` puts it back in service.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { ApiTestServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { eventually, within } from "./helpers/server.ts";
import { readEvents } from "./helpers/sse.ts";
import { closeStation, connectStation, expectRefused, openRaw, type Station } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const ignorePostgres = await ignoreWithoutPostgres("decommissioning e2e on PostgreSQL");
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** The close code and reason `station` (an ocpp-rpc client) is closed with. */
function closeOf(station: Station): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    (station as unknown as { once(e: string, f: (x: { code: number; reason: unknown }) => void): void }).once(
      "close",
      (e) => resolve({ code: e.code, reason: String(e.reason) }),
    )
  );
}

const ids = (items: Json[]) => items.map((i) => i.id ?? i.chargePointId);

async function listed(server: ApiTestServer, query = ""): Promise<string[]> {
  const page = await server.json(`/api/v1/charge-points?limit=500${query}`, { as: "viewer" });
  assertEquals(page.status, 200, JSON.stringify(page.body));
  return ids(page.body.items);
}

/** The overview's stations, asked until a scan made after `since` answers (it keeps a scan briefly). */
async function overviewIds(server: ApiTestServer, since: string): Promise<string[]> {
  const items = await eventually(
    async () => {
      const overview = await server.json("/api/v1/overview?limit=100", { as: "viewer" });
      return overview.body.generatedAt > since ? overview.body.items as Json[] : null;
    },
    15_000,
    "a fresh overview",
  );
  return ids(items!);
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name:
      `${kind}: a decommissioned station is closed, refused when it comes back, out of lists and alerts, and back when registered`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: () =>
      withApiServer(kind, async (server) => {
        const station = await connectStation(server.wsUrl, "CP-OLD");
        const other = await connectStation(server.wsUrl, "CP-KEEP");
        try {
          const remove = (id: string, as: "admin" | "operator" | "viewer" = "admin") =>
            server.json(`/api/v1/charge-points/${id}`, { method: "DELETE", as });

          // Only an admin; an unknown id is a 404.
          assertEquals((await remove("CP-OLD", "operator")).status, 403);
          assertEquals((await remove("CP-OLD", "viewer")).status, 403);
          const unknown = await remove("CP-NEVER");
          assertEquals([unknown.status, unknown.body.error], [404, "not_found"]);

          // A running transaction must end in the ledger first.
          const start = await station.call("StartTransaction", {
            connectorId: 1,
            idTag: "TAG-1",
            meterStart: 100,
            timestamp: minutesAgo(30),
          });
          const busy = await remove("CP-OLD");
          assertEquals([busy.status, busy.body.error, busy.body.details.transactionIds], [409, "conflict", [
            start.transactionId,
          ]]);
          assert(server.registry.isConnected("CP-OLD"), "a refused decommission leaves the station alone");
          await station.call("StopTransaction", {
            transactionId: start.transactionId,
            meterStop: 2100,
            timestamp: minutesAgo(1),
          });

          // A site it belongs to while in service (it stays a member).
          const depot = (chargePointIds: string[]) =>
            server.json("/api/v1/sites/depot", {
              method: "PUT",
              as: "operator",
              body: { name: "Depot", maxCurrentA: 63, chargePointIds },
            });
          const site = await depot(["CP-OLD", "CP-KEEP"]);
          assertEquals(site.status, 201, JSON.stringify(site.body));

          const closed = closeOf(station);
          const before = new Date().toISOString();
          const done = await remove("CP-OLD");
          assertEquals(done.status, 200, JSON.stringify(done.body));
          assertEquals([done.body.id, done.body.online], ["CP-OLD", false]);
          assert(done.body.decommissionedAt >= before, "decommissionedAt is the time of the request");
          assertEquals(await within(closed, 15_000, "the station closed"), {
            code: 4003,
            reason: "Decommissioned",
          });
          // Again: the same answer, nothing changes.
          const again = await remove("CP-OLD");
          assertEquals([again.status, again.body.decommissionedAt], [200, done.body.decommissionedAt]);

          // It comes back: closed before it is served, its Heartbeat unanswered, the attempt a security event.
          await eventually(() => !server.registry.isConnected("CP-OLD"), 15_000, "CP-OLD gone");
          const seenBefore = (await server.store.getChargePoint("CP-OLD"))?.lastSeen;
          assertEquals(await expectRefused(`${server.wsUrl}/CP-OLD`), 404, "refused before upgrading");
          const events = await eventually(
            async () => {
              const page = await server.json(
                "/api/v1/security-events?kind=station_refused&chargePointId=CP-OLD",
                { as: "operator" },
              );
              return page.body.items.length > 0 ? page.body.items : null;
            },
            15_000,
            "the refusal recorded",
          );
          assert(String(events![0].reason).startsWith("Decommissioned since "), events![0].reason);
          assertEquals(events![0].status, 404);
          // A station retrying all day is one event per window, not one per attempt.
          for (let i = 0; i < 3; i++) assertEquals(await expectRefused(`${server.wsUrl}/CP-OLD`), 404);
          const after = await server.json(
            "/api/v1/security-events?kind=station_refused&chargePointId=CP-OLD",
            { as: "operator" },
          );
          assertEquals(after.body.items.length, 1, "refusals reported once per window");
          await eventually(() => server.registry.get("CP-OLD") === undefined, 15_000, "its actor stopped");
          const stored = await server.store.getChargePoint("CP-OLD");
          assertEquals(stored?.decommissionedAt, done.body.decommissionedAt);
          assertEquals(stored?.lastSeen, seenBefore, "a refused connection writes nothing");

          // Out of the list (also of the offline one), listed on its own; the record and its history stay.
          assertEquals(await listed(server), ["CP-KEEP"]);
          assertEquals(await listed(server, "&online=false"), []);
          assertEquals(await listed(server, "&decommissioned=true"), ["CP-OLD"]);
          const one = await server.json("/api/v1/charge-points/CP-OLD", { as: "viewer" });
          assertEquals([one.status, one.body.decommissionedAt], [200, done.body.decommissionedAt]);
          const txs = await server.json("/api/v1/transactions?chargePointId=CP-OLD", { as: "viewer" });
          assertEquals(txs.body.items.map((t: Json) => [t.transactionId, t.status]), [
            [start.transactionId, "finished"],
          ]);

          // Not in the overview, and never an offline alert, however long it stays away; CP-KEEP is both.
          await closeStation(other);
          await eventually(() => !server.registry.isConnected("CP-KEEP"), 15_000, "CP-KEEP gone");
          // Its close writes lastSeen: a loaded machine could land it after the touch below, and no alert.
          await server.registry.get("CP-KEEP")?.stopped;
          for (const id of ["CP-OLD", "CP-KEEP"]) await server.store.touchChargePoint(id, minutesAgo(60));
          assertEquals(await overviewIds(server, new Date().toISOString()), ["CP-KEEP"]);
          const alerts = await server.json("/api/v1/alerts", { as: "viewer" });
          assertEquals(alerts.body.items.map((a: Json) => [a.kind, a.chargePointId]), [[
            "offline",
            "CP-KEEP",
          ]]);
          // Nor a fleet job's, picked by a filter (it would wait for it for ever); named (as a site's member),
          // its task is refused at once.
          const job = await server.json("/api/v1/jobs", {
            method: "POST",
            as: "operator",
            body: { action: "ClearCache", filter: { search: "CP-" } },
          });
          assertEquals([job.status, job.body.total], [201, 1], JSON.stringify(job.body));
          const bySite = await server.json("/api/v1/jobs", {
            method: "POST",
            as: "operator",
            body: { action: "ClearCache", siteId: "depot" },
          });
          assertEquals(bySite.status, 201, JSON.stringify(bySite.body));
          const refused = await eventually(
            async () => {
              const { body } = await server.json(`/api/v1/jobs/${bySite.body.id}`, { as: "viewer" });
              return body.tasks.items.find((t: Json) => t.chargePointId === "CP-OLD" && t.outcome);
            },
            15_000,
            "CP-OLD's task decided",
          );
          assertEquals([refused.outcome, refused.response], ["refused", {
            reason: 'station "CP-OLD" is decommissioned',
          }]);

          // Once out of a site it joins none again, and it gets no new charging profile.
          assertEquals((await depot(["CP-KEEP"])).status, 200);
          const join = await depot(["CP-OLD", "CP-KEEP"]);
          assertEquals(
            [join.status, join.body.details?.chargePointId],
            [409, "CP-OLD"],
            JSON.stringify(join.body),
          );
          assertStringIncludes(join.body.message, "decommissioned");
          const profile = await server.json("/api/v1/charge-points/CP-OLD/charging-profiles", {
            method: "POST",
            as: "operator",
            body: {
              connectorId: 0,
              csChargingProfiles: {
                chargingProfileId: 7,
                stackLevel: 1,
                chargingProfilePurpose: "TxDefaultProfile",
                chargingProfileKind: "Relative",
                chargingSchedule: {
                  chargingRateUnit: "A",
                  chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
                },
              },
            },
          });
          assertEquals(profile.status, 409, JSON.stringify(profile.body));

          // A registration change leaves it out of service (a provisioning script's PUT revives nothing).
          const put = await server.json("/api/v1/charge-points/CP-OLD", {
            method: "PUT",
            body: { registrationStatus: "Pending" },
          });
          assertEquals([put.status, put.body.decommissionedAt], [200, done.body.decommissionedAt]);
          assertEquals(await listed(server, "&decommissioned=true"), ["CP-OLD"]);
          const asOperator = await server.json("/api/v1/charge-points/CP-OLD/recommission", {
            method: "POST",
            as: "operator",
          });
          assertEquals(asOperator.status, 403);
          const restore = () => server.json("/api/v1/charge-points/CP-OLD/recommission", { method: "POST" });
          // Back in service with its registration as it was; again changes nothing.
          const restored = await restore();
          assertEquals([restored.status, restored.body.decommissionedAt, restored.body.registrationStatus], [
            200,
            null,
            "Pending",
          ]);
          assertEquals((await restore()).status, 200);
          assertEquals((await listed(server)).sort(), ["CP-KEEP", "CP-OLD"]);
          await server.json("/api/v1/charge-points/CP-OLD", {
            method: "PUT",
            body: { registrationStatus: "Accepted" },
          });
          const returned = await connectStation(server.wsUrl, "CP-OLD");
          try {
            assertEquals(typeof (await returned.call("Heartbeat", {})).currentTime, "string");
          } finally {
            await closeStation(returned);
          }
        } finally {
          await closeStation(station).catch(() => {});
          await closeStation(other).catch(() => {});
        }
      }, { ATTENTION_OFFLINE_MIN: "10" }),
  });
}

Deno.test("a socket that never booted can be decommissioned: its id is shut out before any record existed", async () => {
  await withApiServer("kv", async (server) => {
    const ghost = await openRaw(`${server.wsUrl}/GHOST-1`);
    await eventually(() => server.registry.isConnected("GHOST-1"), 15_000, "the ghost attached");
    const done = await server.json("/api/v1/charge-points/GHOST-1", { method: "DELETE" });
    assertEquals(done.status, 200, JSON.stringify(done.body));
    assertEquals((await within(ghost.closed, 15_000, "the ghost closed")).code, 4003);
    assertEquals(await expectRefused(`${server.wsUrl}/GHOST-1`), 404);
    assertEquals(await listed(server), []);
  });
});

Deno.test("a process that has not heard of a decommission refuses at the actor's load, then at the handshake", async () => {
  await withApiServer("kv", async (server) => {
    const station = await connectStation(server.wsUrl, "CP-FAR");
    await closeStation(station);
    assertEquals((await server.json("/api/v1/charge-points/CP-FAR", { method: "DELETE" })).status, 200);
    // As a node that missed the event (another node's operator, before it arrived): it does not know.
    const shutOut = server.shutOut;
    shutOut.forget("CP-FAR");
    const back = await openRaw(`${server.wsUrl}/CP-FAR`);
    back.send(JSON.stringify([2, "hb-1", "Heartbeat", {}]));
    assertEquals(await within(back.closed, 15_000, "the returning station closed"), {
      code: 4003,
      reason: "Decommissioned",
    });
    assertEquals(back.received, [], "nothing answered");
    assertEquals(await expectRefused(`${server.wsUrl}/CP-FAR`), 404, "its actor taught the process");
    // What a process knows is checked against the store: one put back in service elsewhere gets in.
    shutOut.learn("CP-KEEP");
    const keep = await connectStation(server.wsUrl, "CP-KEEP");
    assertEquals(shutOut.knows("CP-KEEP"), false, "forgotten once the store said otherwise");
    await closeStation(keep);
  });
});

Deno.test("a transaction started between the check and the decommission undoes it: 409, the station in service", async () => {
  await withApiServer("kv", async (server) => {
    const station = await connectStation(server.wsUrl, "CP-RACE");
    try {
      // The station starts charging right after the route read the ledger, before its write.
      const store = server.store as unknown as { listTransactions: (q: Json) => Promise<unknown[]> };
      const read = store.listTransactions.bind(store);
      let started: Json = null;
      store.listTransactions = async (q) => {
        const result = await read(q);
        if (q.chargePointId === "CP-RACE" && q.status === "active" && started === null) {
          started = await station.call("StartTransaction", {
            connectorId: 1,
            idTag: "TAG-1",
            meterStart: 0,
            timestamp: new Date().toISOString(),
          });
        }
        return result;
      };
      const done = await server.json("/api/v1/charge-points/CP-RACE", { method: "DELETE" });
      store.listTransactions = read;
      assertEquals([done.status, done.body.details?.transactionIds], [409, [started.transactionId]]);
      assertEquals((await server.store.getChargePoint("CP-RACE"))?.decommissionedAt ?? null, null);
      // It was closed meanwhile; it comes back and ends its transaction in the ledger.
      const back = await connectStation(server.wsUrl, "CP-RACE");
      try {
        await back.call("StopTransaction", {
          transactionId: started.transactionId,
          meterStop: 10,
          timestamp: new Date().toISOString(),
        });
      } finally {
        await closeStation(back);
      }
    } finally {
      await closeStation(station).catch(() => {});
    }
  });
});

Deno.test("recommissioning while a refused connection is still loading answers 200 and is stored", async () => {
  await withApiServer("kv", async (server) => {
    assertEquals(
      (await server.json("/api/v1/charge-points/CP-P", {
        method: "PUT",
        body: { registrationStatus: "Accepted" },
      }))
        .status,
      201,
    );
    assertEquals((await server.json("/api/v1/charge-points/CP-P", { method: "DELETE" })).status, 200);
    // As a process that has not heard of it: the connection reaches its actor.
    server.shutOut.forget("CP-P");
    // The next connection's load is slow: the recommission arrives while its actor exists, not loaded.
    const store = server.store as unknown as { getChargePoint: (id: string) => Promise<unknown> };
    const get = store.getChargePoint.bind(store);
    let slow = true;
    store.getChargePoint = async (id) => {
      const record = await get(id);
      // The actor's load only: the route's own read is not held up.
      if (slow) {
        slow = false;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      return record;
    };
    const socket = await openRaw(`${server.wsUrl}/CP-P`);
    await eventually(() => server.registry.get("CP-P") !== undefined, 15_000, "its actor spawned");
    const restored = await server.json("/api/v1/charge-points/CP-P/recommission", { method: "POST" });
    store.getChargePoint = get;
    assertEquals(
      [restored.status, restored.body.decommissionedAt],
      [200, null],
      JSON.stringify(restored.body),
    );
    assertEquals((await within(socket.closed, 15_000, "the refused socket closed")).code, 4003);
    assertEquals((await server.store.getChargePoint("CP-P"))?.decommissionedAt ?? null, null);
  });
});

Deno.test("decommissioning and recommissioning are `service` events on the live stream, with who did it", async () => {
  await withApiServer("kv", async (server) => {
    const station = await connectStation(server.wsUrl, "CP-EV");
    try {
      const before = server.events.subscriberCount;
      const stream = await server.api("/api/v1/events?types=service", { as: "viewer" });
      assertEquals(stream.status, 200);
      await eventually(() => server.events.subscriberCount === before + 1);
      const done = await server.json("/api/v1/charge-points/CP-EV", { method: "DELETE" });
      assertEquals(done.status, 200);
      // Asked again: already decommissioned, no second event.
      assertEquals((await server.json("/api/v1/charge-points/CP-EV", { method: "DELETE" })).status, 200);
      assertEquals(
        (await server.json("/api/v1/charge-points/CP-EV/recommission", { method: "POST" })).status,
        200,
      );
      const seen = await readEvents(stream.body!, (e) => e.data.inService === true, 15_000);
      assertEquals(seen.map((e) => [e.event, e.data.chargePointId, e.data.inService, e.data.by]), [
        ["service", "CP-EV", false, "token:admin tests"],
        ["service", "CP-EV", true, "token:admin tests"],
      ]);
      assertEquals(seen[0]!.data.at, done.body.decommissionedAt);
    } finally {
      await closeStation(station).catch(() => {});
    }
  });
});

/**
 * The site and charging-profile API over real HTTP, with a strict ocpp-rpc station where one is needed:
 * validation and 4xx JSON errors, a station in one site only, profiles stored only when accepted, kept while
 * the station is offline, cleared, and the composite schedule read back.
 */
import { assert, assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

const SITE = { name: "Depot", maxCurrentA: 32, chargePointIds: ["CP-2", "CP-1"] };

function txDefault(id: number, limit: number, stackLevel = 0) {
  return {
    connectorId: 0,
    csChargingProfiles: {
      chargingProfileId: id,
      stackLevel,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    },
  };
}

Deno.test("sites: created, read, listed, changed and deleted by an operator; viewers only read", async () => {
  const server = await startApiServer();
  try {
    const created = await server.json("/api/v1/sites/depot-1", { method: "PUT", body: SITE, as: "operator" });
    assertEquals(created.status, 201);
    assertEquals(created.body.chargePointIds, ["CP-1", "CP-2"]);
    assertEquals(created.body.stationMaxCurrentA, 32);
    assertEquals(created.body.updatedBy, "token:operator tests");
    const read = await server.json("/api/v1/sites/depot-1", { as: "viewer" });
    assertEquals(read.status, 200);
    assertEquals(read.body.allocation, null);
    assertEquals(read.body.maxCurrentA, 32);

    const changed = await server.json("/api/v1/sites/depot-1", {
      method: "PUT",
      body: { ...SITE, maxCurrentA: 16.5, stationMaxCurrentA: 16 },
      as: "operator",
    });
    assertEquals(changed.status, 200);
    assertEquals(changed.body.createdAt, created.body.createdAt);
    assertEquals((await server.json("/api/v1/sites/depot-1", { as: "viewer" })).body.maxCurrentA, 16.5);

    await server.json("/api/v1/sites/a-site", {
      method: "PUT",
      body: { ...SITE, chargePointIds: [] },
      as: "operator",
    });
    const list = await server.json("/api/v1/sites?limit=1", { as: "viewer" });
    assertEquals([list.body.items.map((s: { siteId: string }) => s.siteId), list.body.nextCursor], [[
      "a-site",
    ], "a-site"]);
    const rest = await server.json(`/api/v1/sites?after=${list.body.nextCursor}`, { as: "viewer" });
    assertEquals(rest.body.items.map((s: { siteId: string }) => s.siteId), ["depot-1"]);

    const denied = await server.json("/api/v1/sites/depot-1", { method: "DELETE", as: "viewer" });
    assertEquals([denied.status, denied.body.error], [403, "forbidden"]);
    assertEquals(
      (await server.api("/api/v1/sites/depot-1", { method: "DELETE", as: "operator" })).status,
      204,
    );
    const gone = await server.json("/api/v1/sites/depot-1", { as: "viewer" });
    assertEquals([gone.status, gone.body.error], [404, "not_found"]);
    const again = await server.json("/api/v1/sites/depot-1", { method: "DELETE", as: "operator" });
    assertEquals(again.status, 404);
  } finally {
    await server.close();
  }
});

Deno.test("sites: bad input is a 400 naming the field, and a station cannot be in two sites (409)", async () => {
  const server = await startApiServer();
  try {
    const cases: [string, unknown, string][] = [
      ["/api/v1/sites/ok", { ...SITE, maxCurrentA: -1 }, "maxCurrentA"],
      ["/api/v1/sites/ok", { ...SITE, maxCurrentA: 10.05 }, "maxCurrentA"],
      ["/api/v1/sites/ok", { ...SITE, maxCurrentA: "32" }, "maxCurrentA"],
      ["/api/v1/sites/ok", { ...SITE, name: "" }, "name"],
      ["/api/v1/sites/ok", { ...SITE, chargePointIds: ["CP-1", "CP-1"] }, "chargePointIds"],
      ["/api/v1/sites/ok", { ...SITE, chargePointIds: ["CP 1"] }, "chargePointIds.0"],
      [
        "/api/v1/sites/ok",
        { ...SITE, chargePointIds: Array.from({ length: 101 }, (_, i) => `CP-${i}`) },
        "chargePointIds",
      ],
      ["/api/v1/sites/ok", { ...SITE, stationMaxCurrentA: 0 }, "stationMaxCurrentA"],
      ["/api/v1/sites/ok", { ...SITE, extra: 1 }, ""],
      ["/api/v1/sites/no%20spaces", SITE, "siteId"],
    ];
    for (const [path, body, field] of cases) {
      const res = await server.json(path, { method: "PUT", body, as: "operator" });
      assertEquals(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body.error, "invalid_request");
      if (field) assertEquals(res.body.details.field, field, JSON.stringify(res.body));
    }
    const notJson = await server.json("/api/v1/sites/ok", { method: "PUT", body: "{", as: "operator" });
    assertEquals([notJson.status, notJson.body.error], [400, "invalid_request"]);

    assertEquals(
      (await server.json("/api/v1/sites/a", { method: "PUT", body: SITE, as: "operator" })).status,
      201,
    );
    const clash = await server.json("/api/v1/sites/b", {
      method: "PUT",
      body: { ...SITE, chargePointIds: ["CP-3", "CP-2"] },
      as: "operator",
    });
    assertEquals(clash.status, 409);
    assertEquals(clash.body.error, "conflict");
    assertEquals(clash.body.details, { chargePointId: "CP-2", siteId: "a" });
    assertEquals((await server.json("/api/v1/sites/b", { as: "viewer" })).status, 404);
  } finally {
    await server.close();
  }
});

Deno.test("charging profiles: stored when the station accepts, not when it rejects, kept while it is offline, cleared", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-1");
  const received: unknown[] = [];
  let answer = "Accepted";
  station.handle("SetChargingProfile", ({ params }) => {
    received.push(params);
    return { status: answer };
  });
  station.handle("ClearChargingProfile", () => ({ status: "Accepted" }));
  let asked = 0;
  station.handle("GetCompositeSchedule", ({ params }) => {
    asked++;
    return {
      status: "Accepted",
      connectorId: params.connectorId,
      scheduleStart: new Date().toISOString(),
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
    };
  });
  try {
    const path = "/api/v1/charge-points/CP-1/charging-profiles";
    const set = await server.json(path, { method: "POST", body: txDefault(1, 10), as: "operator" });
    assertEquals(set.status, 201, JSON.stringify(set.body));
    assertEquals(set.body.profile.state, "installed");
    assertEquals(received, [txDefault(1, 10)]);

    answer = "Rejected";
    const rejected = await server.json(path, { method: "POST", body: txDefault(2, 8, 1), as: "operator" });
    assertEquals([rejected.status, rejected.body.error, rejected.body.details.status], [
      409,
      "profile_rejected",
      "Rejected",
    ]);

    const bad = await server.json(path, { method: "POST", body: { connectorId: 0 }, as: "operator" });
    assertEquals([bad.status, bad.body.details.field], [400, "csChargingProfiles"]);
    const viewer = await server.json(path, { method: "POST", body: txDefault(3, 8), as: "viewer" });
    assertEquals(viewer.status, 403);

    const list = await server.json(path, { as: "viewer" });
    assertEquals(list.body.items.map((p: { chargingProfileId: number }) => p.chargingProfileId), [1]);
    assertEquals([list.body.refusedReason, list.body.siteId], [null, null]);

    const composite = await server.json("/api/v1/charge-points/CP-1/composite-schedule?connectorId=1", {
      as: "operator",
    });
    assertEquals(composite.status, 200, JSON.stringify(composite.body));
    assertEquals(composite.body.lost, false);
    assertEquals(composite.body.schedule.chargingSchedule.chargingSchedulePeriod, [{
      startPeriod: 0,
      limit: 10,
    }]);
    // It sends a command: another site cannot make an operator's browser ask it (a Lax cookie rides on a
    // top-level GET), the dashboard itself can.
    const cookie = await server.login(ADMIN.username, ADMIN.password);
    const compositePath = "/api/v1/charge-points/CP-1/composite-schedule?connectorId=1";
    const crossSite = await server.json(compositePath, {
      as: null,
      headers: { cookie, "sec-fetch-site": "cross-site" },
    });
    assertEquals([crossSite.status, asked], [403, 1]);
    const sameOrigin = await server.json(compositePath, {
      as: null,
      headers: { cookie, "sec-fetch-site": "same-origin" },
    });
    assertEquals([sameOrigin.status, asked], [200, 2]);

    await closeStation(station);
    await server.registry.get("CP-1")?.stopped;
    answer = "Accepted";
    const pending = await server.json(path, { method: "POST", body: txDefault(4, 6, 2), as: "operator" });
    assertEquals([pending.status, pending.body.status, pending.body.profile.state], [
      202,
      "Pending",
      "pending",
    ]);
    const tx = txDefault(5, 6);
    tx.connectorId = 1;
    tx.csChargingProfiles.chargingProfilePurpose = "TxProfile";
    const offlineTx = await server.json(path, { method: "POST", body: tx, as: "operator" });
    assertEquals([offlineTx.status, offlineTx.body.error], [409, "not_connected"]);
    const installedOffline = await server.json(`${path}/1`, { method: "DELETE", as: "operator" });
    assertEquals([installedOffline.status, installedOffline.body.error], [409, "not_connected"]);
    const pendingGone = await server.json(`${path}/4`, { method: "DELETE", as: "operator" });
    assertEquals(pendingGone.body, { status: "Cleared", removed: [4] });
    const unknown = await server.json(`${path}/77`, { method: "DELETE", as: "operator" });
    assertEquals([unknown.status, unknown.body.error], [404, "not_found"]);
    const unknownStation = await server.json("/api/v1/charge-points/CP-NONE/charging-profiles", {
      as: "viewer",
    });
    assertEquals(unknownStation.status, 404);

    const log = await server.json("/api/v1/charge-points/CP-1/commands", { as: "viewer" });
    const actions = log.body.items.map((e: { action: string; outcome: string }) =>
      `${e.action}:${e.outcome}`
    );
    assert(actions.includes("SetChargingProfile:accepted"), actions.join());
    assert(actions.includes("GetCompositeSchedule:accepted"), actions.join());
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("charging profiles: clearing through the API clears on the station and forgets what it cleared", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-1");
  const clears: unknown[] = [];
  station.handle("SetChargingProfile", () => ({ status: "Accepted" }));
  station.handle("ClearChargingProfile", ({ params }) => {
    clears.push(params);
    return { status: "Accepted" };
  });
  try {
    const path = "/api/v1/charge-points/CP-1/charging-profiles";
    for (const [id, level] of [[1, 0], [2, 1], [3, 2]]) {
      assertEquals(
        (await server.json(path, { method: "POST", body: txDefault(id!, 10, level), as: "operator" })).status,
        201,
      );
    }
    const one = await server.json(`${path}/2`, { method: "DELETE", as: "operator" });
    assertEquals(one.body, { status: "Accepted", removed: [2] });
    const filtered = await server.json(`${path}?chargingProfilePurpose=TxDefaultProfile&stackLevel=2`, {
      method: "DELETE",
      as: "operator",
    });
    assertEquals(filtered.body.removed, [3]);
    assertEquals(clears, [{ id: 2 }, { chargingProfilePurpose: "TxDefaultProfile", stackLevel: 2 }]);
    const badQuery = await server.json(`${path}?stackLevel=-1`, { method: "DELETE", as: "operator" });
    assertEquals([badQuery.status, badQuery.body.details.field], [400, "stackLevel"]);
    const left = await server.json(path, { as: "viewer" });
    assertEquals(left.body.items.map((p: { chargingProfileId: number }) => p.chargingProfileId), [1]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("charging profiles: the raw SetChargingProfile and ClearChargingProfile commands keep the record true", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-1");
  let answer = "Accepted";
  station.handle("SetChargingProfile", () => ({ status: answer }));
  station.handle("ClearChargingProfile", () => ({ status: "Accepted" }));
  try {
    const path = "/api/v1/charge-points/CP-1/charging-profiles";
    const sent = await server.json("/api/v1/charge-points/CP-1/SetChargingProfile", {
      method: "POST",
      body: txDefault(7, 12),
      as: "operator",
    });
    assertEquals(sent.body, { status: "Accepted" });
    answer = "Rejected";
    await server.json("/api/v1/charge-points/CP-1/SetChargingProfile", {
      method: "POST",
      body: txDefault(8, 12, 3),
      as: "operator",
    });
    const list = await server.json(path, { as: "viewer" });
    assertEquals(
      list.body.items.map((
        p: { chargingProfileId: number; source: string; requestedBy: string },
      ) => [p.chargingProfileId, p.source, p.requestedBy]),
      [[7, "command", "token:operator tests"]],
    );
    await server.json("/api/v1/charge-points/CP-1/ClearChargingProfile", {
      method: "POST",
      body: { id: 7 },
      as: "operator",
    });
    assertEquals((await server.json(path, { as: "viewer" })).body.items, []);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

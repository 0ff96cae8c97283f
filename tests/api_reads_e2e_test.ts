/**
 * The operator API's reads over real HTTP: stations (online filter, search, cursor), registration, transactions
 * (paging and CSV over a few thousand), id tags, frames, handshake failures, live events, the OpenAPI document.
 */
import { assert, assertEquals, assertLess, assertStringIncludes } from "@std/assert";
import type { ChargePointRecord } from "../model/charge_point.ts";
import { kvFleetStore } from "../store/kv/fleet.ts";
import { KvStore, openKvStoreHandle } from "../store/kv/mod.ts";
import { readEvents } from "./helpers/sse.ts";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, expectRefused } from "./helpers/station.ts";

function offlineRecord(id: string): ChargePointRecord {
  const at = "2024-05-01T10:00:00.000Z";
  return {
    id,
    registrationStatus: "Accepted",
    boot: { chargePointVendor: "Acme", chargePointModel: "Volt-1" },
    bootedAt: at,
    connectors: [],
    lastSeen: at,
    firmwareStatus: null,
    diagnosticsStatus: null,
    configuration: null,
    createdAt: at,
    updatedAt: at,
  };
}

Deno.test("stations list: online state from the registry, search, online filter and cursor paging", async () => {
  const server = await startApiServer();
  for (let i = 0; i < 25; i++) {
    await server.store.putChargePoint(offlineRecord(`OFF-${String(i).padStart(2, "0")}`));
  }
  const a = await connectStation(server.wsUrl, "ON-A");
  const b = await connectStation(server.wsUrl, "ON-B");
  try {
    await a.call("StatusNotification", { connectorId: 1, status: "Charging", errorCode: "NoError" });
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&after=${encodeURIComponent(cursor)}` : "";
      const res = await server.json(`/api/v1/charge-points?limit=10${q}`, { as: "viewer" });
      assertEquals(res.status, 200);
      all.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    assertEquals(all.length, 27);
    assertEquals(all, [...all].sort());
    const online = await server.json("/api/v1/charge-points?online=true", { as: "viewer" });
    assertEquals(online.body.items.map((i: { id: string }) => i.id), ["ON-A", "ON-B"]);
    const first = online.body.items[0];
    assertEquals([first.online, first.registrationStatus, first.boot.chargePointModel], [
      true,
      "Accepted",
      "Volt-1",
    ]);
    assertEquals(first.connectors.map((c: { status: string }) => c.status), ["Charging"]);
    const offline = await server.json("/api/v1/charge-points?online=false&limit=100", { as: "viewer" });
    assertEquals(offline.body.items.length, 25);
    assert(offline.body.items.every((i: { online: boolean }) => !i.online));
    const search = await server.json("/api/v1/charge-points?search=off-1", { as: "viewer" });
    assertEquals(search.body.items.length, 10);
    const bad = await server.json("/api/v1/charge-points?limit=5000", { as: "viewer" });
    assertEquals([bad.status, bad.body.details], [400, {
      in: "query",
      field: "limit",
      constraint: "maximum",
    }]);
    // Numbers in a URL are decimal digits: not "1e2", "0x10", " 5" or "" (which read as 0).
    for (const query of ["limit=1e2", "limit=0x10", "limit=%205", "limit="]) {
      const refused = await server.json(`/api/v1/charge-points?${query}`, { as: "viewer" });
      assertEquals([refused.status, refused.body.details?.field], [400, "limit"], query);
    }
    const emptyConnector = await server.json("/api/v1/transactions?connectorId=", { as: "viewer" });
    assertEquals([emptyConnector.status, emptyConnector.body.details?.field], [400, "connectorId"]);
    // Detail, status history, and the last frames of a station.
    const detail = await server.json("/api/v1/charge-points/ON-A", { as: "viewer" });
    assertEquals([detail.body.online, detail.body.pendingCall], [true, { action: null, queued: 0 }]);
    const history = await server.json("/api/v1/charge-points/ON-A/status-history", { as: "viewer" });
    assertEquals(history.body.items.map((h: { status: string }) => h.status), ["Charging"]);
    const frames = await server.json("/api/v1/charge-points/ON-A/frames", { as: "viewer" });
    assert(frames.body.items.some((f: { frame: string }) => f.frame.includes("BootNotification")));
    assertEquals((await server.json("/api/v1/charge-points/NOPE", { as: "viewer" })).status, 404);
    // The endpoints that only check a station exists: 404 for an unknown one, served for a connected one.
    for (const part of ["status-history", "file-status-history", "meter-values"]) {
      assertEquals(
        (await server.json(`/api/v1/charge-points/NOPE/${part}`, { as: "viewer" })).status,
        404,
        part,
      );
      assertEquals(
        (await server.json(`/api/v1/charge-points/ON-A/${part}`, { as: "viewer" })).status,
        200,
        part,
      );
    }
  } finally {
    await closeStation(a);
    await closeStation(b);
    await server.close();
  }
});

Deno.test("registration: pre-register a station, or accept a Pending one while offline or connected", async () => {
  const server = await startApiServer({ REGISTRATION_POLICY: "Pending" });
  try {
    const pre = await server.json("/api/v1/charge-points/CP-NEW", {
      method: "PUT",
      body: { registrationStatus: "Accepted" },
    });
    assertEquals([pre.status, pre.body.registrationStatus], [201, "Accepted"]);
    // A pre-registered station is Accepted at its first boot even though the policy is Pending.
    const station = await connectStation(server.wsUrl, "CP-NEW");
    // A connected Pending station is accepted through its actor: served at once, no reboot needed.
    const pending = await connectStation(server.wsUrl, "CP-WAITING", { boot: false });
    const boot = await pending.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" });
    assertEquals(boot.status, "Pending");
    const heartbeatRefused = await pending.call("Heartbeat", {}).then(
      () => null,
      (e: { rpcErrorCode?: string }) => e,
    );
    assertEquals(heartbeatRefused?.rpcErrorCode, "SecurityError");
    const live = await server.json("/api/v1/charge-points/CP-WAITING", {
      method: "PUT",
      body: { registrationStatus: "Accepted" },
    });
    assertEquals([live.status, live.body.registrationStatus, live.body.online], [200, "Accepted", true]);
    assertEquals(typeof (await pending.call("Heartbeat", {})).currentTime, "string");
    assertEquals((await server.store.getChargePoint("CP-WAITING"))?.registrationStatus, "Accepted");
    await closeStation(pending);
    await closeStation(station);
    await eventually(() => !server.registry.get("CP-NEW"));
    const rejected = await server.json("/api/v1/charge-points/CP-NEW", {
      method: "PUT",
      body: { registrationStatus: "Pending" },
    });
    assertEquals([rejected.status, rejected.body.registrationStatus, rejected.body.boot.chargePointVendor], [
      200,
      "Pending",
      "Acme",
    ]);
    // An operator's Rejected holds at the station's next boot (it is not new: the policy does not apply).
    const reject = await server.json("/api/v1/charge-points/CP-NEW", {
      method: "PUT",
      body: { registrationStatus: "Rejected" },
    });
    assertEquals([reject.status, reject.body.registrationStatus], [200, "Rejected"]);
    const returning = await connectStation(server.wsUrl, "CP-NEW", { boot: false });
    const again = await returning.call("BootNotification", {
      chargePointVendor: "Acme",
      chargePointModel: "X",
    });
    assertEquals([again.status, again.interval], ["Rejected", 60]);
    await closeStation(returning);
    assertEquals((await server.store.getChargePoint("CP-NEW"))?.registrationStatus, "Rejected");
    const invalid = await server.json("/api/v1/charge-points/CP-NEW", {
      method: "PUT",
      body: { registrationStatus: "Maybe" },
    });
    assertEquals([invalid.status, invalid.body.details.field], [400, "registrationStatus"]);
  } finally {
    await server.close();
  }
});

Deno.test("registration changed mid-session: the station's transaction data is still stored, the rest refused", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-MID");
  try {
    const start = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "ANY",
      meterStart: 100,
      timestamp: new Date().toISOString(),
    });
    const transactionId = start.transactionId as number;
    for (const registrationStatus of ["Pending", "Rejected"]) {
      const changed = await server.json("/api/v1/charge-points/CP-MID", {
        method: "PUT",
        body: { registrationStatus },
      });
      assertEquals([changed.status, changed.body.online], [200, true]);
      // The station does not know: it goes on with its session, and nothing of it is lost.
      assertEquals(
        await station.call("MeterValues", {
          connectorId: 1,
          transactionId,
          meterValue: [{
            timestamp: new Date().toISOString(),
            sampledValue: [{ value: registrationStatus === "Pending" ? "150" : "175" }],
          }],
        }),
        {},
      );
      const refused = await station.call("Heartbeat", {}).then(
        () => null,
        (e: { rpcErrorCode?: string }) => e,
      );
      assertEquals(refused?.rpcErrorCode, "SecurityError");
      // A new session is not started that way.
      const newStart = await station.call("StartTransaction", {
        connectorId: 2,
        idTag: "ANY",
        meterStart: 0,
        timestamp: new Date().toISOString(),
      }).then(() => null, (e: { rpcErrorCode?: string }) => e);
      assertEquals(newStart?.rpcErrorCode, "SecurityError");
    }
    await station.call("StopTransaction", {
      transactionId,
      meterStop: 200,
      timestamp: new Date().toISOString(),
      reason: "Local",
    });
    const stored = await server.store.getTransaction(transactionId);
    assertEquals([stored?.meterStop, stored?.status], [200, "finished"]);
    const readings = await server.store.listMeterValuesByTransaction(transactionId);
    assertEquals(readings.map((r) => r.value), ["150", "175"]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("id tags are case-insensitive (OCPP IdToken): a station's tag in another case is the same tag", async () => {
  const server = await startApiServer({ SINGLE_USE_ID_TAGS: "true" });
  const station = await connectStation(server.wsUrl, "CP-CASE");
  const other = await connectStation(server.wsUrl, "CP-CASE-2");
  try {
    const created = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "Driver-7" } });
    assertEquals(created.status, 201);
    assertEquals((await station.call("Authorize", { idTag: "DRIVER-7" })).idTagInfo.status, "Accepted");
    // Charging under one spelling, the tag is busy under any other.
    const start = await station.call("StartTransaction", {
      connectorId: 1,
      idTag: "driver-7",
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    assertEquals(start.idTagInfo.status, "Accepted");
    assertEquals((await other.call("Authorize", { idTag: "DRIVER-7" })).idTagInfo.status, "ConcurrentTx");
    const byTag = await server.json("/api/v1/transactions?idTag=DRIVER-7", { as: "viewer" });
    assertEquals(byTag.body.items.map((t: { transactionId: number }) => t.transactionId), [
      start.transactionId,
    ]);
    // The API names it in any case too: one tag, not a second one.
    const read = await server.json("/api/v1/id-tags/DRIVER-7", { as: "viewer" });
    assertEquals([read.status, read.body.idTag], [200, "Driver-7"]);
    const twin = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "DRIVER-7" } });
    assertEquals([twin.status, twin.body.error], [409, "conflict"]);
    const blocked = await server.json("/api/v1/id-tags/driver-7", {
      method: "PATCH",
      body: { status: "Blocked" },
    });
    assertEquals([blocked.status, blocked.body.idTag, blocked.body.status], [200, "Driver-7", "Blocked"]);
    assertEquals((await other.call("Authorize", { idTag: "driver-7" })).idTagInfo.status, "Blocked");
    assertEquals((await server.api("/api/v1/id-tags/DRIVER-7", { method: "DELETE" })).status, 204);
    assertEquals((await server.json("/api/v1/id-tags/Driver-7", { as: "viewer" })).status, 404);
    assertEquals((await other.call("Authorize", { idTag: "Driver-7" })).idTagInfo.status, "Invalid");
  } finally {
    await closeStation(station);
    await closeStation(other);
    await server.close();
  }
});

Deno.test("a local list member kept in another spelling than its tag (an older KV file) is that tag's membership", async () => {
  // Written before members were case-insensitive: the tag and its membership under two spellings.
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const old = await Deno.openKv(path);
  await old.set(["idtag", "GOOD"], {
    idTag: "GOOD",
    status: "Accepted",
    expiryDate: null,
    parentIdTag: null,
  });
  await old.atomic().set(["ll_member", "good"], true).set(["ll_version"], 1)
    .set(["ll_change", 1], { version: 1, idTag: "good", op: "upsert", at: new Date().toISOString() })
    .commit();
  old.close();
  const kv = await openKvStoreHandle(path);
  const store = new KvStore(kv);
  const server = await startApiServer({}, { store, fleet: kvFleetStore(kv) });
  try {
    const one = await server.json("/api/v1/id-tags/GOOD", { as: "viewer" });
    assertEquals([one.status, one.body.localList], [200, true]);
    const page = await server.json("/api/v1/id-tags", { as: "viewer" });
    assertEquals(page.body.items.map((t: { idTag: string; localList: boolean }) => [t.idTag, t.localList]), [
      ["GOOD", true],
    ]);
    // Deleting the tag takes the member off the list: the stations are told to remove what they got.
    assertEquals((await server.api("/api/v1/id-tags/GOOD", { method: "DELETE" })).status, 204);
    const list = await server.json("/api/v1/local-list", { as: "viewer" });
    assertEquals([list.body.version, list.body.members], [2, []]);
  } finally {
    await server.close();
    await store.close();
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("a path the API has, asked with a method it has not, is 405 with Allow; an unknown path is 404", async () => {
  const server = await startApiServer();
  try {
    const wrong = await server.api("/api/v1/id-tags", { method: "PUT", as: "admin" });
    assertEquals([wrong.status, wrong.headers.get("allow")], [405, "GET, HEAD, POST"]);
    assertEquals((await wrong.json()).error, "method_not_allowed");
    const withId = await server.api("/api/v1/transactions/12", { method: "DELETE", as: "admin" });
    assertEquals([withId.status, withId.headers.get("allow")], [405, "GET, HEAD"]);
    await withId.body?.cancel();
    const unknown = await server.json("/api/v1/nothing-here", { as: "admin" });
    assertEquals([unknown.status, unknown.body.error], [404, "not_found"]);
    const head = await server.api("/api/v1/charge-points", { method: "HEAD", as: "viewer" });
    assertEquals(head.status, 200);
  } finally {
    await server.close();
  }
});

Deno.test("a query parameter the route does not take is 400 naming those it takes, not ignored", async () => {
  const server = await startApiServer();
  try {
    // The stations list's cursor is `after`: a misspelt one would have returned the first page again.
    const misspelt = await server.json("/api/v1/charge-points?limit=5&cursor=CP-9", { as: "viewer" });
    assertEquals(misspelt.status, 400);
    assertEquals(misspelt.body.error, "invalid_request");
    assertStringIncludes(misspelt.body.message, 'Unknown query parameter "cursor"');
    assertStringIncludes(misspelt.body.message, "after");
    assertEquals(misspelt.body.details, { in: "query", field: "cursor", constraint: "known parameter" });
    // A route that takes none.
    const none = await server.json("/api/v1/server-warnings?verbose=1", { as: "admin" });
    assertEquals([none.status, none.body.message], [
      400,
      'Unknown query parameter "verbose": this route takes none',
    ]);
    // Those it takes still work.
    assertEquals(
      (await server.json("/api/v1/charge-points?limit=5&after=CP-9", { as: "viewer" })).status,
      200,
    );
  } finally {
    await server.close();
  }
});

Deno.test("stations list: the registration filter picks statuses server-side and pages past a bounded scan", async () => {
  const server = await startApiServer({ REGISTRATION_POLICY: "Pending" });
  const statuses = { "A-ACC": "Accepted", "B-PEND": "Pending", "C-REJ": "Rejected" } as const;
  for (const [id, registrationStatus] of Object.entries(statuses)) {
    await server.store.putChargePoint({ ...offlineRecord(id), registrationStatus });
  }
  await server.store.putChargePoint({ ...offlineRecord("D-NEVER"), registrationStatus: null, boot: null });
  // Connected and Pending: the live snapshot is what the filter reads.
  const live = await connectStation(server.wsUrl, "E-LIVE", { boot: false });
  try {
    assertEquals(
      (await live.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" })).status,
      "Pending",
    );
    const ids = async (q: string) => {
      const res = await server.json(`/api/v1/charge-points?${q}`, { as: "viewer" });
      assertEquals(res.status, 200, JSON.stringify(res.body));
      return res.body.items.map((i: { id: string }) => i.id);
    };
    assertEquals(await ids("registration=Accepted"), ["A-ACC"]);
    assertEquals(await ids("registration=Pending"), ["B-PEND", "E-LIVE"]);
    assertEquals(await ids("registration=none"), ["D-NEVER"]);
    assertEquals(await ids("registration=Pending,Rejected,none"), ["B-PEND", "C-REJ", "D-NEVER", "E-LIVE"]);
    assertEquals(await ids("registration=Pending&online=true"), ["E-LIVE"]);
    assertEquals(await ids("registration=Pending&online=false"), ["B-PEND"]);
    // Paged with a cursor like any list.
    const first = await server.json("/api/v1/charge-points?registration=Pending,Rejected,none&limit=2", {
      as: "viewer",
    });
    assertEquals([first.body.items.length, first.body.nextCursor], [2, "C-REJ"]);
    assertEquals(await ids("registration=Pending,Rejected,none&limit=2&after=C-REJ"), ["D-NEVER", "E-LIVE"]);
    for (const bad of ["Maybe", "Pending,", "pending", ""]) {
      const res = await server.json(`/api/v1/charge-points?registration=${bad}`, { as: "viewer" });
      assertEquals([res.status, res.body.details?.field], [400, "registration"], bad);
    }
  } finally {
    await closeStation(live);
  }
  try {
    // 10,500 accepted stations before one Pending: one request scans at most 10,000, then hands back its
    // cursor; the next request finds the Pending one.
    for (let i = 0; i < 10_500; i++) {
      await server.store.putChargePoint(offlineRecord(`M-${String(i).padStart(5, "0")}`));
    }
    await server.store.putChargePoint({ ...offlineRecord("Z-PEND"), registrationStatus: "Pending" });
    const pages: { items: string[]; nextCursor: string | null }[] = [];
    let cursor: string | null = "C-REJ";
    while (cursor !== null && pages.length < 5) {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await server.json(
        `/api/v1/charge-points?registration=Pending&limit=10&after=${encodeURIComponent(cursor)}`,
        { as: "viewer" },
      );
      pages.push({ items: res.body.items.map((i) => i.id), nextCursor: res.body.nextCursor });
      cursor = res.body.nextCursor;
    }
    // D-NEVER, E-LIVE and M-00000..M-09997 make the first 10,000.
    assertEquals(pages, [
      { items: ["E-LIVE"], nextCursor: "M-09997" },
      { items: ["Z-PEND"], nextCursor: null },
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("transactions: 3000 paged by cursor and filtered, exported as a streamed CSV, one with its meter values", async () => {
  const server = await startApiServer();
  try {
    for (const id of ["CP-1", "CP-2"]) await server.store.putChargePoint(offlineRecord(id));
    const t0 = Date.parse("2024-05-01T00:00:00.000Z");
    for (let i = 0; i < 3000; i++) {
      const timestamp = new Date(t0 + i * 60_000).toISOString();
      const { transaction } = await server.store.startTransaction({
        chargePointId: i % 2 ? "CP-2" : "CP-1",
        connectorId: 1 + (i % 3),
        idTag: i % 10 === 0 ? "=HYPERLINK(1)" : `TAG-${i % 7}`,
        idTagStatus: "Accepted",
        meterStart: i,
        timestamp,
        reservationId: null,
        receivedAt: timestamp,
      });
      if (i < 2990) {
        await server.store.stopTransaction({
          chargePointId: transaction.chargePointId,
          transactionId: transaction.transactionId,
          idTag: null,
          idTagStatus: null,
          meterStop: i + 100,
          timestamp: new Date(t0 + i * 60_000 + 30_000).toISOString(),
          reason: "Local",
          transactionData: null,
          receivedAt: timestamp,
        });
      }
    }
    // Paging through everything: newest first, no gap, no repeat.
    const ids: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&before=${cursor}` : "";
      const res = await server.json(`/api/v1/transactions?limit=1000${q}`, { as: "viewer" });
      assertEquals(res.status, 200);
      ids.push(...res.body.items.map((t: { transactionId: number }) => t.transactionId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    assertEquals(ids.length, 3000);
    assertEquals(new Set(ids).size, 3000);
    assertEquals(ids, [...ids].sort((a, b) => b - a));
    assertLess(pages, 5);
    // Filters.
    // The last 10 were left open on 6 distinct connectors: a newer start supersedes an open one.
    const active = await server.json("/api/v1/transactions?status=active", { as: "viewer" });
    assertEquals(active.body.items.length, 6);
    const superseded = await server.json("/api/v1/transactions?status=superseded", { as: "viewer" });
    assertEquals(superseded.body.items.length, 4);
    const filtered = await server.json(
      "/api/v1/transactions?chargePointId=CP-2&connectorId=2&from=2024-05-01T00:00:00Z&to=2024-05-01T10:00:00%2B00:00",
      { as: "viewer" },
    );
    assert(filtered.body.items.length > 0);
    for (const t of filtered.body.items) {
      assertEquals([t.chargePointId, t.connectorId], ["CP-2", 2]);
      assert(t.startTimestamp < "2024-05-01T10:00:00.000Z");
    }
    const badTime = await server.json("/api/v1/transactions?from=yesterday", { as: "viewer" });
    assertEquals([badTime.status, badTime.body.details.field], [400, "from"]);
    // CSV export of a filter, streamed.
    const csv = await server.api("/api/v1/transactions/export.csv?chargePointId=CP-1", { as: "viewer" });
    assertEquals(csv.status, 200);
    assertStringIncludes(csv.headers.get("content-type") ?? "", "text/csv");
    const lines = (await csv.text()).trimEnd().split("\r\n");
    assertEquals(lines[0]?.split(",")[0], "transactionId");
    assertEquals(lines.length, 1 + 1500);
    assert(lines.some((l) => l.includes(`"'=HYPERLINK(1)"`)), "formula cells are defused");
    const all = await server.api("/api/v1/transactions/export.csv", { as: "viewer" });
    assertEquals((await all.text()).trimEnd().split("\r\n").length, 3001);
    // One transaction with its meter values.
    const last = ids[0]!;
    await server.store.addMeterValues([{
      chargePointId: "CP-2",
      connectorId: 1,
      transactionId: last,
      timestamp: "2024-05-03T02:00:00.000Z",
      value: "1234",
      context: "Sample.Periodic",
      format: "Raw",
      measurand: "Energy.Active.Import.Register",
      phase: null,
      location: "Outlet",
      unit: "Wh",
      receivedAt: "2024-05-03T02:00:00.000Z",
    }]);
    const one = await server.json(`/api/v1/transactions/${last}`, { as: "viewer" });
    assertEquals([one.status, one.body.status, one.body.meterValues.length], [200, "active", 1]);
    assertEquals((await server.json("/api/v1/transactions/999999", { as: "viewer" })).status, 404);
    assertEquals((await server.json("/api/v1/transactions/abc", { as: "viewer" })).status, 400);
    // An orphan stop is listed.
    await server.store.stopTransaction({
      chargePointId: "CP-1",
      transactionId: 777777,
      idTag: null,
      idTagStatus: null,
      meterStop: 5,
      timestamp: "2024-05-04T00:00:00.000Z",
      reason: null,
      transactionData: null,
      receivedAt: "2024-05-04T00:00:00.000Z",
    });
    const orphans = await server.json("/api/v1/orphan-stops", { as: "viewer" });
    assertEquals(orphans.body.items.map((o: { transactionId: number }) => o.transactionId), [777777]);
  } finally {
    await server.close();
  }
});

Deno.test("id tags: admins create, block, unblock, expire and delete; viewers read", async () => {
  const server = await startApiServer();
  try {
    const created = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "TAG-1" } });
    assertEquals([created.status, created.body], [201, {
      idTag: "TAG-1",
      status: "Accepted",
      expiryDate: null,
      parentIdTag: null,
      localList: false,
    }]);
    assertEquals(
      (await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "TAG-1" } })).status,
      409,
    );
    const tooLong = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: "x".repeat(21) } });
    assertEquals([tooLong.status, tooLong.body.details.field], [400, "idTag"]);
    // A tag no URL can name again is not created: "" (no path segment), "." and ".." (resolved away).
    for (const unreachable of ["", ".", ".."]) {
      const refused = await server.json("/api/v1/id-tags", { method: "POST", body: { idTag: unreachable } });
      assertEquals([refused.status, refused.body.details?.field], [400, "idTag"], `idTag "${unreachable}"`);
      const asParent = await server.json("/api/v1/id-tags", {
        method: "POST",
        body: { idTag: "CHILD", parentIdTag: unreachable },
      });
      assertEquals([asParent.status, asParent.body.details?.field], [400, "parentIdTag"]);
    }
    assertEquals((await server.store.listIdTags({ limit: 10 })).map((t) => t.idTag), ["TAG-1"]);
    const blocked = await server.json("/api/v1/id-tags/TAG-1", {
      method: "PATCH",
      body: { status: "Blocked", expiryDate: "2030-01-01T01:00:00+01:00", parentIdTag: "GROUP" },
    });
    assertEquals(blocked.body, {
      idTag: "TAG-1",
      status: "Blocked",
      expiryDate: "2030-01-01T00:00:00.000Z",
      parentIdTag: "GROUP",
      localList: false,
    });
    // The station is told Blocked.
    const station = await connectStation(server.wsUrl, "CP-TAG");
    try {
      assertEquals((await station.call("Authorize", { idTag: "TAG-1" })).idTagInfo.status, "Blocked");
    } finally {
      await closeStation(station);
    }
    const unblocked = await server.json("/api/v1/id-tags/TAG-1", {
      method: "PATCH",
      body: { status: "Accepted", expiryDate: null },
    });
    assertEquals([unblocked.body.status, unblocked.body.expiryDate, unblocked.body.parentIdTag], [
      "Accepted",
      null,
      "GROUP",
    ]);
    const list = await server.json("/api/v1/id-tags", { as: "viewer" });
    assertEquals(list.body.items.map((t: { idTag: string }) => t.idTag), ["TAG-1"]);
    assertEquals((await server.json("/api/v1/id-tags/TAG-1", { as: "viewer" })).body.status, "Accepted");
    assertEquals((await server.api("/api/v1/id-tags/TAG-1", { method: "DELETE" })).status, 204);
    assertEquals((await server.json("/api/v1/id-tags/TAG-1", { as: "viewer" })).status, 404);
  } finally {
    await server.close();
  }
});

Deno.test("failed handshakes are listed for viewers", async () => {
  const server = await startApiServer();
  try {
    assertEquals(await expectRefused(`${server.wsUrl}/CP-X`, ["ocpp2.1"]), 400);
    const res = await server.json("/api/v1/handshake-failures", { as: "viewer" });
    assertEquals(
      res.body.items.map((f: { chargePointId: string; status: number }) => [f.chargePointId, f.status]),
      [
        ["CP-X", 400],
      ],
    );
  } finally {
    await server.close();
  }
});

Deno.test("GET /api/v1/events delivers a status change within a second, and unsubscribes when the client leaves", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-SSE");
  try {
    const before = server.events.subscriberCount;
    // A type no event has would match nothing, silently: refused, naming the types there are.
    const bogus = await server.api("/api/v1/events?types=status,bogus", { as: "viewer" });
    if (bogus.status !== 400) await bogus.body?.cancel(); // an endless stream otherwise
    assertEquals(bogus.status, 400);
    const refusal = await bogus.json();
    assertEquals(refusal.details?.field, "types");
    assertStringIncludes(refusal.message, "securityEvent");
    const res = await server.api("/api/v1/events?chargePointId=CP-SSE", { as: "viewer" });
    assertEquals(res.status, 200);
    assertStringIncludes(res.headers.get("content-type") ?? "", "text/event-stream");
    await eventually(() => server.events.subscriberCount === before + 1);
    const sent = Date.now();
    await station.call("StatusNotification", { connectorId: 2, status: "Preparing", errorCode: "NoError" });
    const seen = await readEvents(res.body!, (e) => e.event === "status", 1000);
    const status = seen.find((e) => e.event === "status");
    assert(status, `no status event within a second; saw ${JSON.stringify(seen)}`);
    assertLess(Date.now() - sent, 1000);
    assertEquals((status.data.connector as { status: string }).status, "Preparing");
    await eventually(
      () => server.events.subscriberCount === before,
      2000,
      "unsubscribe after the client left",
    );
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("an event stream client that does not read is dropped instead of buffered without limit", async () => {
  const server = await startApiServer({}, {});
  try {
    // Not through the server: app.request() holds the body unread, the slowest client there is.
    const { createApiRoutes } = await import("../routes/api/mod.ts");
    const stopping = new AbortController();
    const api = createApiRoutes({
      registry: server.registry,
      store: server.store,
      auth: server.auth,
      events: server.events,
      handshakes: server.handshakes,
      logger: server.registry.deps.logger,
      now: () => new Date(),
      signal: stopping.signal,
      settings: { sessionTtlHours: 1, cookieSecure: "never", sseBufferEvents: 5, sseKeepAliveMs: 60_000 },
    });
    const before = server.events.subscriberCount;
    const res = await api.request("/v1/events", {
      headers: { authorization: `Bearer ${server.tokens.viewer}` },
    });
    assertEquals(res.status, 200);
    assertEquals(server.events.subscriberCount, before + 1);
    for (let i = 0; i < 20; i++) {
      server.events.publish({
        type: "boot",
        chargePointId: "CP-X",
        at: new Date().toISOString(),
        registrationStatus: "Accepted",
      });
    }
    assertEquals(server.events.subscriberCount, before, "the slow client was dropped");
    await res.body?.cancel().catch(() => {});
    assert(server.logs.some((l) => l.msg === "event stream client dropped: too slow"));
    stopping.abort();
  } finally {
    await server.close();
  }
});

Deno.test("the OpenAPI document covers every route with its schemas, and /api/docs renders it without scripts", async () => {
  const server = await startApiServer();
  try {
    const doc = (await server.json("/api/openapi.json", { as: "viewer" })).body;
    assertEquals(doc.openapi, "3.1.0");
    const reset = doc.paths["/api/v1/charge-points/{id}/Reset"].post;
    assertEquals(reset["x-required-role"], "operator");
    assertEquals(reset.requestBody.content["application/json"].schema, {
      type: "object",
      properties: { type: { type: "string", enum: ["Hard", "Soft"] } },
      required: ["type"],
      additionalProperties: false,
    });
    const start = doc.paths["/api/v1/charge-points/{id}/RemoteStartTransaction"].post.requestBody.content[
      "application/json"
    ].schema;
    assertEquals(start.properties.idTag, { type: "string", maxLength: 20 });
    assertEquals(
      start.properties.chargingProfile.properties.chargingSchedule.properties.chargingSchedulePeriod.items
        .properties
        .limit,
      { type: "number", multipleOf: 0.1 },
    );
    assertEquals(
      doc.paths["/api/v1/charge-points/{id}/UpdateFirmware"].post.requestBody.content["application/json"]
        .schema
        .properties.location,
      { type: "string", format: "uri" },
    );
    const commands = Object.keys(doc.paths).filter((p) => /charge-points\/\{id\}\/[A-Z]/.test(p));
    // 26 of OCPP 1.6 and its Security extension, and the 9 of OCPP 2.0.1 without a 1.6 namesake (issue 17).
    assertEquals(commands.length, 35);
    const list = doc.paths["/api/v1/transactions"].get;
    assert(
      list.parameters.some((p: { name: string; in: string }) => p.name === "before" && p.in === "query"),
    );
    assertEquals(doc.paths["/api/v1/auth/login"].post.security, []);
    const page = await server.api("/api/docs", { as: "viewer" });
    const html = await page.text();
    assertEquals(page.status, 200);
    assertStringIncludes(html, "/api/v1/charge-points/{id}/Reset");
    assertEquals(/<script/i.test(html), false);
    assertEquals(/https?:\/\/(?!json-schema)/.test(html.replace(/openapi\.json/g, "")), false, "no CDN");
  } finally {
    await server.close();
  }
});

Deno.test("an open event stream ends when the server shuts down (shutdown does not wait forever)", async () => {
  const server = await startApiServer();
  // The server listens itself (the overview's scanner, load management, the fleet's follow-ups), and stops
  // listening when it shuts down too.
  const before = server.events.subscriberCount;
  const res = await server.api("/api/v1/events", { as: "viewer" });
  assertEquals(res.status, 200);
  await eventually(() => server.events.subscriberCount === before + 1);
  await server.close();
  assertStringIncludes(await res.text(), ": connected");
  assertEquals(server.events.subscriberCount, 0);
});

/**
 * A station that sends frames we refuse, as an operator meets it: the overview flags it ("sending frames we
 * refuse", a one-click filter) with a link to its recent frames, its page says how many and what was wrong with
 * the last one, the API's station view has its `protocolErrors` for integrators, and a restart of the server
 * on the same KV file keeps them. A well-behaved station (ocpp-rpc, strict) shows nothing; a viewer reads
 * that a security event's frame was refused, not why (its content may be quoted). Once the station is fixed an
 * operator (not a viewer) clears them, connected or offline, on both stores: the button on its page, the API
 * for integrators, a log line saying who; a bad frame since the one the operator saw is not cleared.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { StationChanges } from "../model/changes.ts";
import { openKvStore } from "../store/kv/mod.ts";
import { ADMIN, type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { launch, signedInPage, SKIP_REASON, skipBrowser } from "./helpers/browser.ts";
import { eventually } from "./helpers/server.ts";
import { bootedRawStation, closeStation, connectStation, type RawSocket } from "./helpers/station.ts";

/** Sends `text` and waits for the CALLERROR that answers it. */
async function refused(socket: RawSocket, text: string): Promise<unknown[]> {
  socket.send(text);
  const answer = await socket.next() as unknown[];
  assertEquals(answer[0], 4, JSON.stringify(answer));
  return answer;
}

Deno.test({
  name:
    `a station sending bad frames is flagged on the overview and its page, kept across a restart${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "badframes-" });
    const path = `${dir}/csms.kv`;
    let store = await openKvStore(path);
    let server = await startApiServer({}, { store });
    const good = await connectStation(server.wsUrl, "CP-GOOD");
    const bad = await bootedRawStation(`${server.wsUrl}/CP-BAD`);
    const browser = await launch();
    const errors: string[] = [];
    try {
      await good.call("StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" });
      await good.call("Heartbeat", {});
      // Not JSON; an action we do not know; a payload its schema refuses (the last: what the page shows).
      await refused(bad, '[2, "b1", "Heartbeat", {');
      await refused(bad, JSON.stringify([2, "b2", "FlyToTheMoon", {}]));
      const answer = await refused(
        bad,
        JSON.stringify([2, "b3", "StatusNotification", {
          connectorId: 1,
          errorCode: "NoError",
          status: "Asleep",
        }]),
      );
      assertEquals(answer[2], "PropertyConstraintViolation");

      // The API, as an integrator polls it (a viewer may read it).
      const view = await eventually(async () => {
        const { body } = await server.json("/api/v1/charge-points/CP-BAD", { as: "viewer" });
        return body.protocolErrors?.count === 3 ? body : null;
      });
      assertEquals(view.protocolErrors.lastAction, "StatusNotification");
      assertStringIncludes(view.protocolErrors.lastProblem, "PropertyConstraintViolation");
      assertStringIncludes(view.protocolErrors.lastProblem, "status");
      assertEquals((await server.json("/api/v1/charge-points/CP-GOOD")).body.protocolErrors, null);
      const listed = (await server.json("/api/v1/charge-points?limit=10")).body.items;
      assertEquals(
        listed.map((s: { id: string; protocolErrors: unknown }) => [s.id, s.protocolErrors !== null]),
        [
          ["CP-BAD", true],
          ["CP-GOOD", false],
        ],
      );
      assertEquals((await server.json("/api/v1/overview")).body.attention.protocol, 1);

      // The overview in a browser: the strip counts it, its row links to its frames.
      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(server.url);
      const strip = page.locator("[data-attention='protocol']");
      await strip.waitFor();
      assertStringIncludes(await strip.innerText(), "1 sending frames we refuse");
      assertEquals(await page.locator("tr[data-station='CP-GOOD'] [data-protocol-errors]").count(), 0);
      await page.locator("tr[data-station='CP-BAD'] [data-protocol-errors] a").click();
      await page.waitForURL(/\/stations\/CP-BAD#frames$/);
      // The station page: what was wrong, in words, and its frames open.
      const notice = page.locator("[data-protocol-errors='3']");
      await notice.waitFor();
      assertStringIncludes(await notice.innerText(), "3 frames");
      assertStringIncludes(await notice.innerText(), "StatusNotification");
      assertStringIncludes(await notice.innerText(), "PropertyConstraintViolation");
      await page.locator("#tab-frames[aria-selected='true']").waitFor();
      assertStringIncludes(await page.locator("#panel-frames").innerText(), "FlyToTheMoon");
      await page.goto(`${server.url}/stations/CP-GOOD`);
      await page.locator("[data-live='true']").first().waitFor();
      assertEquals(await page.locator("[data-protocol-errors]").count(), 0);

      assertEquals(errors, []);
      await page.close();

      // A restart on the same store: the station's record kept them (the close wrote the last ones).
      await closeStation(good);
      await bad.close();
      await server.close();
      await store.close();
      store = await openKvStore(path);
      server = await startApiServer({}, { store });
      const kept = (await server.json("/api/v1/charge-points/CP-BAD")).body.protocolErrors;
      assertEquals([kept?.count, kept?.lastAction], [3, "StatusNotification"]);
      assertEquals((await server.json("/api/v1/overview")).body.attention.protocol, 1);
      const after = await signedInPage(browser, server.url, ADMIN, errors);
      await after.goto(`${server.url}/stations/CP-BAD`);
      await after.locator("[data-protocol-errors='3']").waitFor();
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await closeStation(good).catch(() => {});
      await bad.close();
      await server.close();
      await store.close().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a viewer reads that a station's security event was refused, not what was wrong with it", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/CP-SECBAD`);
  try {
    const secret = "not-a-time-from-tech-info";
    await refused(
      station,
      JSON.stringify([2, "s1", "SecurityEventNotification", { type: "FirmwareUpdated", timestamp: secret }]),
    );
    const operator = await eventually(async () => {
      const { body } = await server.json("/api/v1/charge-points/CP-SECBAD", { as: "operator" });
      return body.protocolErrors ? body.protocolErrors : null;
    });
    assertStringIncludes(operator.lastProblem, secret);
    const viewer =
      (await server.json("/api/v1/charge-points/CP-SECBAD", { as: "viewer" })).body.protocolErrors;
    assertEquals([viewer.count, viewer.lastAction], [1, "SecurityEventNotification"]);
    assert(!JSON.stringify(viewer).includes(secret), JSON.stringify(viewer));
    const listed = (await server.json("/api/v1/charge-points?limit=10", { as: "viewer" })).body.items;
    assert(!JSON.stringify(listed).includes(secret));
  } finally {
    await station.close();
    await server.close();
  }
});

Deno.test("a station flooding bad frames on a real socket costs one write of its protocol errors, not one per frame", async () => {
  const kv = await openKvStore(":memory:");
  /** The station's commits, as the server made them. */
  const commits: StationChanges[] = [];
  const store = new Proxy(kv, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "commit" || typeof value !== "function") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (changes: StationChanges) => {
        if (changes.chargePointId === "CP-FLOOD") commits.push(structuredClone(changes));
        return value.call(target, changes);
      };
    },
  });
  const server = await startApiServer({ MAX_BAD_FRAMES: "100000", STATION_MSG_RATE: "0" }, { store });
  const station = await bootedRawStation(`${server.wsUrl}/CP-FLOOD`);
  try {
    commits.length = 0;
    const started = Date.now();
    for (let i = 0; i < 500; i++) {
      await refused(station, JSON.stringify([2, `f${i}`, "Heartbeat", { unexpected: i }]));
    }
    // Answered in turn: every one counted before the last answer went out.
    const view = (await server.json("/api/v1/charge-points/CP-FLOOD")).body.protocolErrors;
    assertEquals(view.count, 500);
    const minutes = Math.floor((Date.now() - started) / 60_000);
    const written = commits.filter((c) => c.snapshot?.protocolErrors !== undefined);
    assert(
      written.length >= 1 && written.length <= minutes + 1,
      `${written.length} writes in ${minutes} min`,
    );
    assertEquals(commits.length, written.length, "the flood made no other write");
  } finally {
    await station.close();
    await server.close();
    await kv.close();
  }
});

Deno.test("a station sending refused CALLs while the store refuses its writes costs one write try and one line a minute", async () => {
  const kv = await openKvStore(":memory:");
  /** The station's commits tried while its writes fail (a full disk), as the server made them. */
  let refusing = false;
  const tried: StationChanges[] = [];
  const store = new Proxy(kv, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "commit" || typeof value !== "function") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (changes: StationChanges) => {
        if (!refusing || changes.chargePointId !== "CP-FULL") return value.call(target, changes);
        tried.push(structuredClone(changes));
        return Promise.reject(new TypeError("database or disk is full"));
      };
    },
  });
  const server = await startApiServer({ MAX_BAD_FRAMES: "100000", STATION_MSG_RATE: "0" }, { store });
  const station = await bootedRawStation(`${server.wsUrl}/CP-FULL`);
  try {
    refusing = true;
    const started = Date.now();
    for (let i = 0; i < 200; i++) {
      await refused(station, JSON.stringify([2, `f${i}`, "Heartbeat", { unexpected: i }]));
    }
    // The last refusal's write try (if any) is made in its turn: a Heartbeat after it is answered after it.
    station.send(JSON.stringify([2, "hb", "Heartbeat", {}]));
    await station.next();
    const minutes = Math.floor((Date.now() - started) / 60_000);
    const tries = tried.filter((c) => c.snapshot?.protocolErrors !== undefined).length;
    const lines = server.logs.filter((l) => l.msg === "cannot write protocol errors").length;
    // One due each minute, one riding with the Heartbeat's lastSeen (a failed write makes the next CALL write it).
    assert(tries <= minutes + 2, `${tries} write tries in ${minutes} min`);
    assert(lines <= minutes + 1, `${lines} lines in ${minutes} min`);
  } finally {
    await station.close();
    await server.close();
    await kv.close();
  }
});

Deno.test("a clear the store cannot write is 503 store_unavailable in JSON and clears nothing", async () => {
  const kv = await openKvStore(":memory:");
  let refusing = false;
  const store = new Proxy(kv, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "commit" || typeof value !== "function") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (changes: StationChanges) =>
        refusing && changes.chargePointId === "CP-FULL"
          ? Promise.reject(new TypeError("database or disk is full"))
          : value.call(target, changes);
    },
  });
  const server = await startApiServer({}, { store });
  const station = await bootedRawStation(`${server.wsUrl}/CP-FULL`);
  try {
    await refused(station, JSON.stringify([2, "bad", "Heartbeat", { unexpected: 1 }]));
    const seen = await protocolErrorsOf(server, "CP-FULL", 1);
    const clear = () =>
      server.json("/api/v1/charge-points/CP-FULL/protocol-errors/clear", {
        method: "POST",
        as: "operator",
        body: { lastAt: seen.lastAt },
      });
    refusing = true;
    const failed = await clear();
    assertEquals([failed.status, failed.body.error], [503, "store_unavailable"], JSON.stringify(failed.body));
    assertEquals(server.logs.filter((l) => l.msg === "protocol errors cleared").length, 0);
    // Nothing half-done: the station keeps them, and once the store is back its next write does too.
    refusing = false;
    station.send(JSON.stringify([2, "hb", "Heartbeat", {}]));
    await station.next();
    assertEquals((await kv.getChargePoint("CP-FULL"))?.protocolErrors, seen);
    assertEquals(await protocolErrorsOf(server, "CP-FULL", 1), seen);
    const cleared = await clear();
    assertEquals([cleared.status, cleared.body], [200, { chargePointId: "CP-FULL", cleared: 1 }]);
  } finally {
    await station.close();
    await server.close();
    await kv.close();
  }
});

/** The station's protocol errors as an operator reads them, once they are `count`. */
async function protocolErrorsOf(server: ApiTestServer, id: string, count: number) {
  return await eventually(async () => {
    const { body } = await server.json(`/api/v1/charge-points/${id}`, { as: "operator" });
    return body.protocolErrors?.count === count ? body.protocolErrors : null;
  });
}

async function clearsProtocolErrors(server: ApiTestServer) {
  const clear = (body: unknown, as: "viewer" | "operator" = "operator") =>
    server.json("/api/v1/charge-points/CP-FIXED/protocol-errors/clear", { method: "POST", body, as });
  const station = await bootedRawStation(`${server.wsUrl}/CP-FIXED`);
  try {
    await refused(station, JSON.stringify([2, "x1", "FlyToTheMoon", {}]));
    await refused(station, JSON.stringify([2, "x2", "Heartbeat", { unexpected: 1 }]));
    const seen = await protocolErrorsOf(server, "CP-FIXED", 2);

    assertEquals((await clear({ lastAt: seen.lastAt }, "viewer")).status, 403);
    assertEquals((await clear({})).status, 400);
    const stale = await clear({ lastAt: "2020-01-01T00:00:00.000Z" });
    assertEquals([stale.status, stale.body.details.reason], [409, "protocol_errors_changed"]);
    // Two operators at once: one clears them, the other is told there are none (one log line, one event).
    const both = await Promise.all([clear({ lastAt: seen.lastAt }), clear({ lastAt: seen.lastAt })]);
    const cleared = both.find((r) => r.status === 200)!;
    assertEquals([cleared.status, cleared.body], [200, { chargePointId: "CP-FIXED", cleared: 2 }]);
    const other = both.find((r) => r !== cleared)!;
    assertEquals([other.status, other.body.details?.reason], [409, "no_protocol_errors"]);
    assertEquals((await server.json("/api/v1/charge-points/CP-FIXED")).body.protocolErrors, null);
    assertEquals((await server.json("/api/v1/overview")).body.attention.protocol, 0);
    assertEquals((await clear({ lastAt: seen.lastAt })).body.details.reason, "no_protocol_errors");
    const said = server.logs.filter((l) => l.msg === "protocol errors cleared");
    assertEquals(said.map((l) => [l.chargePointId, l.count, l.by]), [[
      "CP-FIXED",
      2,
      "token:operator tests",
    ]]);

    // Still connected: the next bad frame counts from one (the cleared ones do not ride with its write).
    await refused(station, JSON.stringify([2, "x3", "Heartbeat", { unexpected: 2 }]));
    const again = await protocolErrorsOf(server, "CP-FIXED", 1);
    // Written: the station closes, and its record (read from the store) has the one.
    await station.close();
    await eventually(async () => !(await server.json("/api/v1/charge-points/CP-FIXED")).body.online);
    assertEquals((await server.store.getChargePoint("CP-FIXED"))?.protocolErrors?.count, 1);
    // Offline: cleared in the store, once for two operators at once.
    const offline = await Promise.all([clear({ lastAt: again.lastAt }), clear({ lastAt: again.lastAt })]);
    assertEquals(offline.map((r) => r.status).sort(), [200, 409]);
    assertEquals(server.logs.filter((l) => l.msg === "protocol errors cleared").length, 2);
    assertEquals((await server.store.getChargePoint("CP-FIXED"))?.protocolErrors ?? null, null);
  } finally {
    await station.close();
  }
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name: `an operator clears a fixed station's protocol errors, connected or offline (${kind})`,
    ignore: kind === "postgres" && await ignoreWithoutPostgres("protocol errors cleared on PostgreSQL"),
    fn: () => withApiServer(kind, clearsProtocolErrors, {}, {}, "dash45_protocol_errors"),
  });
}

Deno.test({
  name: `the station page's notice clears its protocol errors for an operator, not a viewer${SKIP_REASON}`,
  ignore: skipBrowser,
  async fn() {
    const server = await startApiServer();
    const station = await bootedRawStation(`${server.wsUrl}/CP-FIXUI`);
    const browser = await launch();
    const errors: string[] = [];
    try {
      await refused(station, JSON.stringify([2, "u1", "FlyToTheMoon", {}]));
      await protocolErrorsOf(server, "CP-FIXUI", 1);
      const viewer = { username: "vera", password: "vera-password-1" };
      assertEquals(
        (await server.json("/api/v1/users", { method: "POST", body: { ...viewer, role: "viewer" } })).status,
        201,
      );
      const looking = await signedInPage(browser, server.url, viewer, errors);
      await looking.goto(`${server.url}/stations/CP-FIXUI`);
      await looking.locator("[data-protocol-errors='1']").waitFor();
      assertEquals(await looking.getByRole("button", { name: "Clear protocol errors" }).count(), 0);

      const page = await signedInPage(browser, server.url, ADMIN, errors);
      await page.goto(`${server.url}/stations/CP-FIXUI`);
      await page.locator("[data-live='true']").first().waitFor();
      await page.getByRole("button", { name: "Clear protocol errors" }).click();
      const result = page.locator("[data-clear-protocol-errors] [data-result='ok']");
      await result.waitFor();
      assertStringIncludes(await result.innerText(), "Cleared");
      assertEquals((await server.json("/api/v1/charge-points/CP-FIXUI")).body.protocolErrors, null);
      await page.reload();
      await page.locator("[data-live='true']").first().waitFor();
      assertEquals(await page.locator("[data-protocol-errors]").count(), 0);
      await page.goto(server.url);
      await page.locator("tr[data-station='CP-FIXUI']").waitFor();
      assertEquals(await page.locator("[data-attention='protocol']").getAttribute("data-count"), "0");
      assertEquals(errors, []);
    } finally {
      await browser.close();
      await station.close();
      await server.close();
    }
  },
});

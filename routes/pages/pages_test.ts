/**
 * Pages rendered with `app.request()` against a fake API (no server, no store, no browser): who sees what,
 * what is asked of the API, and that islands get their props.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { Hono } from "hono";
import { createMemoryLogger } from "../../logger.ts";
import { scriptJson } from "../../components/island.tsx";
import type { StationDetail, Transaction } from "../../components/types.ts";
import { createPageRoutes } from "./mod.ts";

const NOW = new Date("2026-11-25T12:00:00.000Z");

const STATION: StationDetail = {
  id: "CP-1",
  online: true,
  connectedAt: "2026-11-25T11:00:00.000Z",
  remoteAddress: "10.0.0.7",
  node: null,
  lastSeen: "2026-11-25T11:59:00.000Z",
  registrationStatus: "Accepted",
  boot: { chargePointVendor: "Acme", chargePointModel: "Volt-1" },
  bootedAt: "2026-11-25T11:00:01.000Z",
  statusReceivedAt: "2026-11-25T11:00:02.000Z",
  awaitingStatus: null,
  connectors: [
    {
      connectorId: 1,
      status: "Charging",
      errorCode: "NoError",
      timestamp: NOW.toISOString(),
      transactionId: 7,
    },
    { connectorId: 2, status: "Faulted", errorCode: "GroundFailure", timestamp: NOW.toISOString() },
  ],
  firmwareStatus: null,
  diagnosticsStatus: null,
  protocolErrors: null,
  decommissionedAt: null,
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  scheduledAvailability: [],
  localListVersion: null,
  reservations: [],
  pendingCall: null,
  hasConfiguration: false,
};

const TX: Transaction = {
  transactionId: 7,
  chargePointId: "CP-1",
  connectorId: 1,
  idTag: "TAG-1",
  startIdTagStatus: "Accepted",
  meterStart: 1000,
  startTimestamp: "2026-11-25T11:00:00.000Z",
  reservationId: null,
  status: "finished",
  supersededBy: null,
  meterStop: 1600,
  stopTimestamp: "2026-11-25T11:05:00.000Z",
  stopReason: "Remote",
  stopIdTag: null,
  energyWh: 600,
  createdAt: "2026-11-25T11:00:00.000Z",
  stoppedAt: "2026-11-25T11:05:00.000Z",
};

function meterRow(minute: number, value: number, measurand = "Energy.Active.Import.Register", unit = "Wh") {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    transactionId: 7,
    timestamp: new Date(Date.parse(TX.startTimestamp) + minute * 60_000).toISOString(),
    value: String(value),
    context: "Sample.Periodic",
    format: "Raw",
    measurand,
    phase: null,
    location: "Outlet",
    unit,
    receivedAt: NOW.toISOString(),
  };
}

const SITE = {
  siteId: "depot",
  name: "Depot",
  maxCurrentA: 32,
  chargePointIds: ["CP-1"],
  stationMaxCurrentA: 32,
  updatedBy: "user:root",
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
};

/** A second session of the site's one station (connector 2), waiting at 0 A in the newest division. */
const SECOND_SESSION = {
  chargePointId: "CP-1",
  connectorId: 2,
  transactionId: 8,
  kind: "waiting",
  limitA: 0,
  appliedA: 0,
  measuredA: null,
};

/** Newest first, as the API lists them. */
const SAMPLES = [11, 10].map((minute) => ({
  siteId: "depot",
  at: new Date(Date.parse(NOW.toISOString()) - (60 - minute) * 60_000).toISOString(),
  limitA: 32,
  fixedA: 0,
  allocatedA: 32,
  measuredA: minute === 11 ? 30.5 : null,
  chargers: [{
    chargePointId: "CP-1",
    connectorId: 1,
    transactionId: 7,
    kind: "allocated",
    limitA: 32,
    appliedA: 32,
    measuredA: minute === 11 ? 30.5 : null,
  }, ...(minute === 11 ? [SECOND_SESSION] : [])],
}));

/** A fake of the API the pages call: the cookie names the role, every request is recorded. */
function fakeApp(options: { stations?: StationDetail[] } = {}) {
  const asked: string[] = [];
  const api = new Hono();
  const stations = options.stations ?? [STATION];
  api.use("*", async (c, next) => {
    asked.push(c.req.path + new URL(c.req.url).search);
    await next();
  });
  const role = (cookie: string | undefined) => /csms_session=(viewer|operator|admin)/.exec(cookie ?? "")?.[1];
  api.get("/healthz", (c) => c.json({ connectedStations: 1 }));
  api.post("/api/v1/auth/login", async (c) => {
    const body = await c.req.json();
    if (body.password !== "right") {
      return c.json({ error: "unauthenticated", message: "Invalid username or password" }, 401);
    }
    c.header("set-cookie", "csms_session=viewer; Path=/; HttpOnly; SameSite=Lax");
    return c.json({ user: { username: body.username } });
  });
  api.use("/api/*", async (c, next) => {
    if (c.req.path === "/api/v1/auth/login") return await next();
    if (!role(c.req.header("cookie"))) return c.json({ error: "unauthenticated", message: "no" }, 401);
    await next();
  });
  api.get("/api/v1/auth/me", (c) => {
    const r = role(c.req.header("cookie"))!;
    return c.json({ kind: "user", name: `${r}-user`, role: r });
  });
  api.get("/api/v1/charge-points", (c) => {
    // Like the API: the registration filter, one page, no cursor at the end.
    const wanted = c.req.query("registration")?.split(",");
    const decommissioned = c.req.query("decommissioned") === "true";
    const after = c.req.query("after");
    const items = stations
      .filter((s) => Boolean(s.decommissionedAt) === decommissioned)
      .filter((s) => !wanted || wanted.includes(s.registrationStatus ?? "none"))
      .filter((s) => after === undefined || s.id > after);
    return c.json({ items, nextCursor: after === undefined && items.length ? "CP-1" : null });
  });
  api.get("/api/v1/overview", (c) => {
    const items = stations.map((s) => ({
      id: s.id,
      online: s.online,
      connectedAt: s.connectedAt,
      remoteAddress: s.remoteAddress,
      lastSeen: s.lastSeen,
      registrationStatus: s.registrationStatus,
      boot: s.boot,
      connectors: s.connectors,
      sessions: s.connectors.flatMap((k) => k.transactionId !== undefined ? [k.transactionId] : []),
      energyTodayWh: 1234,
      attention: s.connectors.some((k) => k.status === "Faulted") ? ["faulted"] : [],
    }));
    return c.json({
      kpis: {
        stations: items.length,
        online: items.filter((i) => i.online).length,
        offline: items.filter((i) => !i.online).length,
        faultedConnectors: 1,
        activeSessions: 1,
        energyTodayWh: 1234,
        availability: 0.5,
        utilisation: 0.25,
      },
      attention: { faulted: 1, offline: 0, registration: 0, badTags: 2, stuck: 0 },
      offlineAfterMinutes: 10,
      dayStart: "2026-11-25T00:00:00.000Z",
      total: items.length,
      offset: Number(c.req.query("offset") ?? 0),
      limit: Number(c.req.query("limit")),
      items,
      generatedAt: NOW.toISOString(),
      capped: false,
      stale: false,
      retryAfterMs: 0,
    });
  });
  api.get("/api/v1/station-security/:id", (c) =>
    c.json({
      chargePointId: c.req.param("id"),
      configured: true,
      securityProfile: 1,
      effectiveProfile: 1,
      hasAuthorizationKey: true,
      pendingAuthorizationKeys: [],
      pendingSecurityProfile: {
        profile: 3,
        since: NOW.toISOString(),
        expiresAt: new Date(NOW.getTime() + 72 * 3_600_000).toISOString(),
      },
      allowedIps: ["10.0.0.0/24"],
      updatedBy: "user:root",
      updatedAt: NOW.toISOString(),
    }));
  api.get("/api/v1/security-events", (c) =>
    c.json({
      items: [{
        id: "2024-05-01T10:00:00.000Z.0001.abc",
        at: NOW.toISOString(),
        kind: "station_auth_failed",
        chargePointId: "CP-1",
        principal: null,
        remoteAddress: "10.0.0.9",
        reason: "Wrong password",
        status: 401,
      }, {
        id: "2024-05-01T10:00:00.000Z.0000.abc",
        at: NOW.toISOString(),
        kind: "login_failed",
        chargePointId: null,
        principal: "mallory",
        remoteAddress: "10.0.0.10",
        reason: "Invalid username or password",
        status: 401,
      }],
      // Like the API: a cursor while there are older events (here: only before the first page).
      nextCursor: c.req.query("before") === undefined ? "2024-05-01T10:00:00.000Z.0000.abc" : null,
      source: "store",
    }));
  api.get("/api/v1/charge-points/:id", (c) => {
    const found = stations.find((s) => s.id === c.req.param("id"));
    return found ? c.json(found) : c.json({ error: "not_found", message: "unknown" }, 404);
  });
  api.get(
    "/api/v1/charge-points/:id/configuration",
    (c) => c.json({ chargePointId: "CP-1", configuration: null }),
  );
  api.get(
    "/api/v1/charge-points/:id/charging-profiles",
    (c) => c.json({ items: [], refusedReason: "NotSupported", siteId: SITE.siteId }),
  );
  api.get("/api/v1/charge-points/:id/:list", (c) => c.json({ items: [] }));
  api.get("/api/v1/transactions", (c) => c.json({ items: [TX], nextCursor: null }));
  api.get(
    "/api/v1/transactions/:id",
    (c) =>
      c.req.param("id") === "7"
        ? c.json({ ...TX, meterValues: [0, 1, 2, 3].map((m) => meterRow(m + 1, 1000 + (m + 1) * 150)) })
        : c.json({ error: "not_found", message: "Transaction 8 is unknown" }, 404),
  );
  api.get("/api/v1/transaction-flags", (c) => c.json({ items: [] }));
  api.get("/api/v1/handshake-failures", (c) => c.json({ items: [] }));
  api.get("/api/v1/id-tags", (c) => c.json({ items: [], nextCursor: null }));
  api.get("/api/v1/unknown-id-tags", (c) => c.json({ items: [] }));
  api.get("/api/v1/sites", (c) => c.json({ items: [SITE], nextCursor: null }));
  api.get(
    "/api/v1/sites/:siteId",
    (c) =>
      c.req.param("siteId") === SITE.siteId
        ? c.json({ ...SITE, allocation: SAMPLES[0] })
        : c.json({ error: "not_found", message: "unknown" }, 404),
  );
  api.get("/api/v1/sites/:siteId/samples", (c) => c.json({ items: SAMPLES }));
  const pages = createPageRoutes({
    api: (path, init) => api.request(path, init),
    logger: createMemoryLogger(),
    now: () => NOW,
  });
  return { pages, asked };
}

const as = (role: "viewer" | "operator" | "admin") => ({ headers: { cookie: `csms_session=${role}` } });

Deno.test("a page without a session redirects to the login page, remembering where it was", async () => {
  const { pages } = fakeApp();
  const res = await pages.request("/stations/CP-1?x=1");
  assertEquals(res.status, 303);
  assertEquals(res.headers.get("location"), "/login?next=%2Fstations%2FCP-1%3Fx%3D1");
  const login = await pages.request("/login?next=//evil.example");
  const body = await login.text();
  assertStringIncludes(body, 'data-island="LoginForm"');
  assertStringIncludes(body, '{"next":"/","csrf":"');
});

/** GET /login as a browser would: the login token's cookie and the form's copy of it. */
async function loginForm(pages: { request: (path: string) => Response | Promise<Response> }) {
  const res = await pages.request("/login");
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const csrf = /"csrf":"([^"]+)"/.exec(await res.text())?.[1] ?? "";
  return { cookie, csrf };
}

Deno.test("without JavaScript the login form posts to /login, which logs in through the API", async () => {
  const { pages } = fakeApp();
  const { cookie, csrf } = await loginForm(pages);
  assertStringIncludes(cookie, "csms_login_token=");
  assertEquals(cookie.endsWith(`=${csrf}`), true);
  const form = (password: string, token = csrf) =>
    pages.request("/login", {
      method: "POST",
      headers: { cookie },
      body: new URLSearchParams({ username: "u", password, next: "/id-tags", csrf: token }),
    });
  const forged = await form("right", "not-the-token");
  assertEquals(forged.status, 403);
  assertEquals(forged.headers.get("set-cookie")?.includes("csms_session"), false);
  const ok = await form("right");
  assertEquals(ok.status, 303);
  assertEquals(ok.headers.get("location"), "/id-tags");
  assertStringIncludes(ok.headers.get("set-cookie") ?? "", "csms_session=viewer");
  const wrong = await form("wrong");
  assertEquals(wrong.status, 401);
  assertStringIncludes(await wrong.text(), "Invalid username or password");
});

Deno.test("the overview asks the API for the URL's search, filters and sort, and renders KPIs, attention links and sort links", async () => {
  const { pages, asked } = fakeApp();
  const res = await pages.request(
    "/?search=cp&online=true&attention=faulted&sort=lastSeen&order=desc",
    as("viewer"),
  );
  assertEquals(res.status, 200);
  assertStringIncludes(res.headers.get("content-security-policy") ?? "", "script-src 'self'");
  const body = await res.text();
  assert(body.startsWith("<!doctype html>"));
  assertStringIncludes(body, 'data-island="FleetOverview"');
  assertStringIncludes(body, 'class="chip tone-charging"');
  assertStringIncludes(body, 'class="chip tone-fault"');
  assertStringIncludes(body, '<script type="module" src="/static/islands.js">');
  assert(
    asked.includes(
      "/api/v1/overview?search=cp&online=true&attention=faulted&sort=lastSeen&order=desc&limit=50",
    ),
    asked.join("\n"),
  );
  // One-click filters: the current one clears itself; the others replace it.
  assertStringIncludes(body, 'href="/?search=cp&amp;online=true&amp;sort=lastSeen&amp;order=desc"');
  assertStringIncludes(body, 'href="/?attention=badTags&amp;sort=lastSeen&amp;order=desc"');
  assertStringIncludes(body, "2 sessions with a bad tag");
  // The sorted column says so and its link turns the order around.
  assertStringIncludes(body, 'aria-sort="descending"');
  assertStringIncludes(body, 'href="/?search=cp&amp;online=true&amp;attention=faulted&amp;sort=lastSeen"');
  assertStringIncludes(body, "25 %");
});

Deno.test("the overview says which query values it cannot use (400) and asks the API for no list", async () => {
  const { pages, asked } = fakeApp();
  const res = await pages.request(
    "/?sort=evil&order=sideways&status=Broken&attention=x&offset=-5",
    as("viewer"),
  );
  assertEquals(res.status, 400);
  const html = (await res.text()).replaceAll("&quot;", '"');
  for (const name of ["sort", "order", "status", "attention", "offset"]) {
    assertStringIncludes(html, `"${name}" is`);
  }
  assert(!asked.some((path) => path.startsWith("/api/v1/overview")), asked.join("\n"));
});

Deno.test("a viewer's station page has no command buttons; an operator's has the actions and 26 commands", async () => {
  const { pages } = fakeApp();
  const viewer = await (await pages.request("/stations/CP-1", as("viewer"))).text();
  for (
    const text of [
      "Remote start",
      "Soft reset",
      "Unlock connector",
      "CommandForms",
      "Refresh with GetConfiguration",
    ]
  ) {
    assertEquals(viewer.includes(text), false, `viewer sees ${text}`);
  }
  assertStringIncludes(viewer, 'data-island="StationConsole"');
  assertStringIncludes(viewer, "GroundFailure");

  const operator = await (await pages.request("/stations/CP-1", as("operator"))).text();
  for (const text of ["Remote start", "Remote stop", "Soft reset", "Hard reset", "Unlock connector"]) {
    assertStringIncludes(operator, `>${text}</button>`);
  }
  assertStringIncludes(operator, 'data-island="CommandForms"');
  const select = /<select name="action">(.*?)<\/select>/.exec(operator)?.[1] ?? "";
  assertEquals(select.match(/<option /g)?.length, 26);
  assertStringIncludes(operator, "Refresh with GetConfiguration");
});

Deno.test("only an admin's station page has the Security panel, with a raise pending; the others never ask for the settings", async () => {
  const { pages, asked } = fakeApp();
  for (const role of ["viewer", "operator"] as const) {
    const body = await (await pages.request("/stations/CP-1", as(role))).text();
    assertEquals(body.includes("StationSecurityPanel"), false, role);
    assertEquals(body.includes("AuthorizationKey"), false, role);
  }
  assertEquals(asked.filter((p) => p.startsWith("/api/v1/station-security")), []);
  const admin = await (await pages.request("/stations/CP-1", as("admin"))).text();
  assertStringIncludes(admin, 'data-island="StationSecurityPanel"');
  assertStringIncludes(admin, 'data-effective-profile="1"');
  assertStringIncludes(admin, 'data-has-key="true"');
  // A raise the station accepted shows until its first connection with it settles it.
  assertStringIncludes(admin, 'data-pending-profile="3"');
  assertStringIncludes(admin, "raising to 3 · TLS client certificate");
  assertStringIncludes(admin, "10.0.0.0/24");
  assertStringIncludes(admin, ">Generate AuthorizationKey</button>");
  assertStringIncludes(admin, ">Reset to defaults</button>");
  assert(asked.includes("/api/v1/station-security/CP-1"), asked.join("\n"));
});

Deno.test("security events are listed for operators and admins, filtered by kind and station", async () => {
  const { pages, asked } = fakeApp();
  const operator =
    await (await pages.request("/security?kind=station_auth_failed&chargePointId=CP-1", as("operator")))
      .text();
  assert(
    asked.includes("/api/v1/security-events?limit=200&kind=station_auth_failed&chargePointId=CP-1"),
    asked.join("\n"),
  );
  assertStringIncludes(operator, 'data-security-event="station_auth_failed"');
  assertStringIncludes(operator, "Wrong password");
  assertStringIncludes(operator, "mallory");
  assertStringIncludes(operator, '<a href="/security" aria-current="page">Security</a>');
  // An unknown kind is said (400), not dropped: the whole log would look filtered.
  const asks = asked.length;
  const nonsense = await pages.request("/security?kind=nonsense", as("admin"));
  assertEquals(nonsense.status, 400);
  assertStringIncludes((await nonsense.text()).replaceAll("&quot;", '"'), '"kind" is "nonsense"');
  assert(!asked.slice(asks).some((path) => path.startsWith("/api/v1/security-events")), asked.join("\n"));
  // Paged with the API's cursor, keeping the filters.
  const cursor = "2024-05-01T10:00:00.000Z.0000.abc";
  const older = `/security?kind=station_auth_failed&chargePointId=CP-1&before=${encodeURIComponent(cursor)}`;
  assertStringIncludes(operator, `<a href="${older.replaceAll("&", "&amp;")}" rel="next">`);
  const olderPage = await (await pages.request(older, as("operator"))).text();
  assert(
    asked.includes(
      `/api/v1/security-events?limit=200&kind=station_auth_failed&chargePointId=CP-1&before=${
        encodeURIComponent(cursor)
      }`,
    ),
    asked.join("\n"),
  );
  assertEquals(olderPage.includes('rel="next"'), false);
  assertStringIncludes(
    olderPage,
    'href="/security?kind=station_auth_failed&amp;chargePointId=CP-1">Newest</a>',
  );
  // Viewers get neither the page nor the navigation entry.
  const viewer = await pages.request("/security", as("viewer"));
  assertEquals(viewer.status, 403);
  const viewerHome = await (await pages.request("/", as("viewer"))).text();
  assertEquals(viewerHome.includes('href="/security"'), false);
});

Deno.test("an unknown station or transaction is a 404 page, with the navigation", async () => {
  const { pages } = fakeApp();
  const res = await pages.request("/stations/CP-404", as("viewer"));
  assertEquals(res.status, 404);
  const body = await res.text();
  assertStringIncludes(body, "Charge point &quot;CP-404&quot; is unknown");
  assertStringIncludes(body, 'aria-label="Main"');
  assertEquals((await pages.request("/transactions/8", as("viewer"))).status, 404);
  assertEquals((await pages.request("/transactions/abc", as("viewer"))).status, 404);
});

Deno.test("the transaction page draws the energy chart from the meter values, server-side", async () => {
  const { pages } = fakeApp();
  const body = await (await pages.request("/transactions/7", as("viewer"))).text();
  assertStringIncludes(body, 'data-chart="energy" data-points="4"');
  assertEquals(
    body.match(/<circle class="point"/g)?.length,
    7,
    "energy points plus derived power points (4 + 3)",
  );
  assertStringIncludes(body, 'class="series" d="M');
  assertStringIncludes(body, "derived from the energy register");
});

Deno.test("the transactions page turns its date filter into API query times and links the CSV export", async () => {
  const { pages, asked } = fakeApp();
  const body =
    await (await pages.request("/transactions?from=2026-11-01&to=2026-11-25&status=finished", as("viewer")))
      .text();
  const wanted = "from=2026-11-01T00%3A00%3A00.000Z&to=2026-11-26T00%3A00%3A00.000Z";
  assert(asked.some((p) => p.includes(`status=finished&${wanted}`)), asked.join("\n"));
  assertStringIncludes(
    body,
    `/api/v1/transactions/export.csv?status=finished&amp;${wanted.replace("&", "&amp;")}`,
  );
  assertStringIncludes(body, "0.600 kWh");
});

Deno.test("id tags are editable by admins only", async () => {
  const { pages } = fakeApp();
  const viewer = await (await pages.request("/id-tags", as("viewer"))).text();
  assertStringIncludes(viewer, "Only admins change id tags.");
  assertStringIncludes(viewer, '"canEdit":false');
  const admin = await (await pages.request("/id-tags", as("admin"))).text();
  assertStringIncludes(admin, "Add an id tag");
});

Deno.test("only an admin's station page can decommission it; every role sees that it is decommissioned", async () => {
  const gone = { ...STATION, id: "CP-GONE", online: false, decommissionedAt: NOW.toISOString() };
  const { pages } = fakeApp({ stations: [STATION, gone] });
  for (const role of ["viewer", "operator"] as const) {
    const body = await (await pages.request("/stations/CP-1", as(role))).text();
    assertEquals(body.includes("DecommissionStation"), false, role);
    const marked = await (await pages.request("/stations/CP-GONE", as(role))).text();
    assertStringIncludes(marked, 'data-testid="decommissioned"');
  }
  const admin = await (await pages.request("/stations/CP-1", as("admin"))).text();
  assertStringIncludes(admin, 'data-service="in-service"');
  assertStringIncludes(admin, ">Decommission</button>");
  assertEquals(admin.includes('data-testid="decommissioned"'), false);
  const adminGone = await (await pages.request("/stations/CP-GONE", as("admin"))).text();
  assertStringIncludes(adminGone, 'data-service="decommissioned"');
  assertStringIncludes(adminGone, ">Put back in service</button>");
});

Deno.test("the handshakes page lists decommissioned stations, with links to their pages", async () => {
  const at = NOW.toISOString();
  const gone = { ...STATION, id: "CP-GONE", online: false, decommissionedAt: at };
  const { pages, asked } = fakeApp({ stations: [STATION, gone] });
  const body = await (await pages.request("/handshakes", as("viewer"))).text();
  // (The fake API hands back a cursor after its first page: "1+".)
  assertStringIncludes(body, "Decommissioned stations (1");
  assertStringIncludes(body, 'data-decommissioned="CP-GONE"');
  assertStringIncludes(body, 'href="/stations/CP-GONE"');
  assertEquals(body.includes('data-decommissioned="CP-1"'), false);
  assert(asked.some((p) => p.includes("decommissioned=true")), asked.join("\n"));
  const none = await (await fakeApp().pages.request("/handshakes", as("viewer"))).text();
  assertStringIncludes(none, "Decommissioned stations (0)");
});

Deno.test("the handshakes page offers Accept for unaccepted stations to admins", async () => {
  const pending = { ...STATION, id: "CP-P", registrationStatus: "Pending" as const, online: false };
  const { pages } = fakeApp({ stations: [STATION, pending] });
  const admin = await (await pages.request("/handshakes", as("admin"))).text();
  assertStringIncludes(admin, 'data-pending="CP-P"');
  assertStringIncludes(admin, 'data-island="AcceptStation"');
  assertEquals(admin.includes('data-pending="CP-1"'), false);
  const operator = await (await pages.request("/handshakes", as("operator"))).text();
  assertEquals(operator.includes('data-island="AcceptStation"'), false);
});

Deno.test("the handshakes page asks the API for the unaccepted stations only, following its cursor", async () => {
  const never = { ...STATION, id: "CP-N", registrationStatus: null, online: false };
  const { pages, asked } = fakeApp({ stations: [STATION, never] });
  const body = await (await pages.request("/handshakes", as("viewer"))).text();
  assertStringIncludes(body, 'data-pending="CP-N"');
  assertStringIncludes(body, "never booted");
  const lists = asked.filter((p) => p.startsWith("/api/v1/charge-points?registration"));
  assertEquals(lists, [
    "/api/v1/charge-points?registration=Pending,Rejected,none&limit=500",
    "/api/v1/charge-points?registration=Pending,Rejected,none&limit=500&after=CP-1",
  ]);
});

Deno.test("island props are written as JSON that cannot close its script tag", () => {
  assertEquals(scriptJson({ a: "</script><b>" }), '{"a":"\\u003c/script>\\u003cb>"}');
  assertEquals(JSON.parse(scriptJson({ a: "</script>" })), { a: "</script>" });
});

Deno.test("/static/islands.js is one ES module that hydrates every island, and app.css is served", async () => {
  const { pages } = fakeApp();
  const js = await pages.request("/static/islands.js");
  assertEquals(js.status, 200);
  assertStringIncludes(js.headers.get("content-type") ?? "", "text/javascript");
  const code = await js.text();
  assertStringIncludes(code, "data-island");
  assert(code.length > 10_000 && code.length < 300_000, `bundle of ${code.length} bytes`);
  const again = await pages.request("/static/islands.js", {
    headers: { "if-none-match": js.headers.get("etag")! },
  });
  assertEquals(again.status, 304);
  const css = await pages.request("/static/app.css");
  assertStringIncludes(css.headers.get("content-type") ?? "", "text/css");
  assertStringIncludes(await css.text(), "prefers-color-scheme: dark");
});

Deno.test("the sites page offers a new site to operators only; a site page starts its monitor with the samples oldest first", async () => {
  const { pages, asked } = fakeApp();
  const viewer = await (await pages.request("/sites", as("viewer"))).text();
  assertStringIncludes(viewer, 'data-site="depot"');
  assertStringIncludes(viewer, "30.5 A");
  // One station, two sessions in the latest division: the column counts sessions and says of which division.
  assertStringIncludes(viewer, '<td data-label="Stations" class="num">1</td>');
  assertStringIncludes(viewer, '<td data-label="Sessions divided" class="num">2</td>');
  assertStringIncludes(
    viewer,
    '<th scope="col" title="Charging sessions (one per connector or EVSE with a transaction) the latest division shared the limit among, at its time">Sessions divided</th>',
  );
  assertEquals(viewer.includes('data-island="SiteForm"'), false);
  const operator = await (await pages.request("/sites", as("operator"))).text();
  assertStringIncludes(operator, 'data-island="SiteForm"');

  const site = await (await pages.request("/sites/depot", as("viewer"))).text();
  const props = JSON.parse(
    /data-island="SiteMonitor"[^>]*><script type="application\/json">(.*?)<\/script>/s.exec(site)![1]!,
  );
  assertEquals(props.samples.map((s: { at: string }) => s.at), [SAMPLES[1]!.at, SAMPLES[0]!.at]);
  assertEquals(props.canEdit, false);
  assert(asked.includes("/api/v1/sites/depot/samples?limit=720"), asked.join("\n"));
  assertEquals((await pages.request("/sites/nowhere", as("viewer"))).status, 404);

  const station = await (await pages.request("/stations/CP-1", as("viewer"))).text();
  assertStringIncludes(station, 'data-island="ChargingProfilesPanel"');
  assertStringIncludes(station, "refuses charging profiles (NotSupported)");
  assertStringIncludes(station, 'href="/sites/depot"');
});

/**
 * Operator auth over real HTTP: every API route (the 34 command routes included, sent to a connected station of their dialect) as
 * anonymous and as viewer, operator and admin, each both a logged-in user and an API token, checked against a
 * policy table written in this file; login, session cookie, logout; API tokens; users; the first admin from
 * the environment.
 */
import { assert, assertEquals, assertFalse, assertStringIncludes } from "@std/assert";
import { issueApiToken } from "../auth/api_tokens.ts";
import { ADMIN, type ApiTestServer, type Role, startApiServer } from "./helpers/api.ts";
import { COMMAND_SAMPLES } from "./helpers/command_samples.ts";
import { COMMAND_SAMPLES_201 } from "./helpers/command_samples_201.ts";
import { connectStation201 } from "./helpers/station201.ts";
import { startTestServer } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

type Lowest = "anonymous" | Role;
const RANK: Record<Lowest, number> = { anonymous: 0, viewer: 1, operator: 2, admin: 3 };

/**
 * The access policy, written down here on purpose rather than read from the code (the OpenAPI document and the
 * router share `route.access`, so comparing them proves nothing): every route -> the lowest role allowed.
 * Viewers read; operators also send commands, set charging profiles, manage sites and read security events;
 * admins also manage users, tokens, id tags, registration and station security.
 */
const POLICY: Record<string, Lowest> = {
  "POST /api/v1/auth/login": "anonymous",
  "GET /api/v1/setup": "anonymous",
  "POST /api/v1/setup": "anonymous",
  "POST /api/v1/auth/logout": "viewer",
  "GET /api/v1/auth/me": "viewer",
  "PUT /api/v1/auth/password": "viewer",
  "GET /api/openapi.json": "viewer",
  "GET /api/docs": "viewer",
  "GET /api/v1/charge-points": "viewer",
  "GET /api/v1/charge-points/{id}": "viewer",
  "PUT /api/v1/charge-points/{id}": "admin",
  "DELETE /api/v1/charge-points/{id}": "admin",
  "POST /api/v1/charge-points/{id}/recommission": "admin",
  "POST /api/v1/charge-points/{id}/disconnect": "operator",
  "POST /api/v1/charge-points/{id}/firmware-failure/dismiss": "operator",
  "POST /api/v1/charge-points/{id}/protocol-errors/clear": "operator",
  "GET /api/v1/charge-points/{id}/status-history": "viewer",
  "GET /api/v1/charge-points/{id}/file-status-history": "viewer",
  "GET /api/v1/charge-points/{id}/configuration": "viewer",
  "GET /api/v1/charge-points/{id}/commands": "viewer",
  "GET /api/v1/charge-points/{id}/device-model": "viewer",
  "GET /api/v1/charge-points/{id}/meter-values": "viewer",
  "GET /api/v1/charge-points/{id}/frames": "viewer",
  "GET /api/v1/handshake-failures": "viewer",
  "GET /api/v1/events": "viewer",
  "GET /api/v1/transactions": "viewer",
  "GET /api/v1/transactions/export.csv": "viewer",
  "GET /api/v1/transactions/{transactionId}": "viewer",
  "GET /api/v1/transactions/{transactionId}/meter-values": "viewer",
  "GET /api/v1/transactions/energy": "viewer",
  "GET /api/v1/overview": "viewer",
  "GET /api/v1/simulator": "admin",
  "POST /api/v1/simulator": "admin",
  "DELETE /api/v1/simulator": "admin",
  "GET /api/v1/orphan-stops": "viewer",
  "GET /api/v1/id-tags": "viewer",
  "GET /api/v1/id-tags/{idTag}": "viewer",
  "POST /api/v1/id-tags": "admin",
  "PATCH /api/v1/id-tags/{idTag}": "admin",
  "DELETE /api/v1/id-tags/{idTag}": "admin",
  "GET /api/v1/unknown-id-tags": "viewer",
  "DELETE /api/v1/unknown-id-tags/{idTag}": "admin",
  "GET /api/v1/security-events": "operator",
  "GET /api/v1/station-security": "admin",
  "GET /api/v1/station-security/{id}": "admin",
  "PATCH /api/v1/station-security/{id}": "admin",
  "DELETE /api/v1/station-security/{id}": "admin",
  "DELETE /api/v1/station-security/{id}/pending-authorization-keys": "admin",
  "POST /api/v1/station-security/{id}/authorization-key": "admin",
  "GET /api/v1/users": "admin",
  "POST /api/v1/users": "admin",
  "PATCH /api/v1/users/{username}": "admin",
  "DELETE /api/v1/users/{username}": "admin",
  "GET /api/v1/tokens": "admin",
  "POST /api/v1/tokens": "admin",
  "DELETE /api/v1/tokens/{id}": "admin",
  "GET /api/v1/charge-points/{id}/charging-profiles": "viewer",
  "POST /api/v1/charge-points/{id}/charging-profiles": "operator",
  "DELETE /api/v1/charge-points/{id}/charging-profiles": "operator",
  "DELETE /api/v1/charge-points/{id}/charging-profiles/{chargingProfileId}": "operator",
  "GET /api/v1/charge-points/{id}/composite-schedule": "operator",
  "GET /api/v1/sites": "viewer",
  "GET /api/v1/sites/{siteId}": "viewer",
  "GET /api/v1/sites/{siteId}/samples": "viewer",
  "PUT /api/v1/sites/{siteId}": "operator",
  "DELETE /api/v1/sites/{siteId}": "operator",
  // The Security extension: the CA certificate is public; uploaded logs can hold secrets (operators).
  "GET /api/v1/pki/ca": "anonymous",
  "GET /api/v1/pki/certificates": "viewer",
  "POST /api/v1/charge-points/{id}/upload-urls": "operator",
  "GET /api/v1/uploads": "viewer",
  "GET /api/v1/uploads/{uploadId}/content": "operator",
  "DELETE /api/v1/uploads/{uploadId}": "admin",
  "POST /api/v1/firmware": "admin",
  "GET /api/v1/firmware": "viewer",
  "DELETE /api/v1/firmware/{firmwareId}": "admin",
  "POST /api/v1/firmware/{firmwareId}/links": "operator",
  // Fleet operations (issue 15): operators run jobs and reservations; admins own webhooks (data leaves the
  // system), DataTransfer rules, hand-closed transactions and retention.
  "POST /api/v1/jobs": "operator",
  "GET /api/v1/jobs": "viewer",
  "GET /api/v1/jobs/{jobId}": "viewer",
  "POST /api/v1/jobs/{jobId}/retry": "operator",
  "POST /api/v1/jobs/{jobId}/cancel": "operator",
  "POST /api/v1/reservations": "operator",
  "GET /api/v1/reservations": "viewer",
  "GET /api/v1/reservations/{reservationId}": "viewer",
  "POST /api/v1/reservations/{reservationId}/cancel": "operator",
  "GET /api/v1/local-list": "viewer",
  "POST /api/v1/charge-points/{id}/local-list/sync": "operator",
  "GET /api/v1/data-transfers": "viewer",
  "GET /api/v1/data-transfer-rules": "viewer",
  "PUT /api/v1/data-transfer-rules": "admin",
  "DELETE /api/v1/data-transfer-rules": "admin",
  "POST /api/v1/transactions/{id}/close": "admin",
  "GET /api/v1/transaction-flags": "viewer",
  "GET /api/v1/webhooks": "admin",
  "POST /api/v1/webhooks": "admin",
  "GET /api/v1/webhooks/{id}": "admin",
  "PATCH /api/v1/webhooks/{id}": "admin",
  "DELETE /api/v1/webhooks/{id}": "admin",
  "POST /api/v1/webhooks/{id}/ping": "admin",
  "GET /api/v1/webhook-deliveries": "admin",
  "GET /api/v1/alerts": "viewer",
  "GET /api/v1/server-warnings": "admin",
  "GET /api/v1/cluster/nodes": "operator",
  "GET /api/v1/fleet-settings": "viewer",
  "PUT /api/v1/fleet-settings": "admin",
  // The 19 CS->CP commands of OCPP 1.6 §5, one by one.
  "POST /api/v1/charge-points/{id}/CancelReservation": "operator",
  "POST /api/v1/charge-points/{id}/ChangeAvailability": "operator",
  "POST /api/v1/charge-points/{id}/ChangeConfiguration": "operator",
  "POST /api/v1/charge-points/{id}/ClearCache": "operator",
  "POST /api/v1/charge-points/{id}/ClearChargingProfile": "operator",
  "POST /api/v1/charge-points/{id}/DataTransfer": "operator",
  "POST /api/v1/charge-points/{id}/GetCompositeSchedule": "operator",
  "POST /api/v1/charge-points/{id}/GetConfiguration": "operator",
  "POST /api/v1/charge-points/{id}/GetDiagnostics": "operator",
  "POST /api/v1/charge-points/{id}/GetLocalListVersion": "operator",
  "POST /api/v1/charge-points/{id}/RemoteStartTransaction": "operator",
  "POST /api/v1/charge-points/{id}/RemoteStopTransaction": "operator",
  "POST /api/v1/charge-points/{id}/ReserveNow": "operator",
  "POST /api/v1/charge-points/{id}/Reset": "operator",
  "POST /api/v1/charge-points/{id}/SendLocalList": "operator",
  "POST /api/v1/charge-points/{id}/SetChargingProfile": "operator",
  "POST /api/v1/charge-points/{id}/TriggerMessage": "operator",
  "POST /api/v1/charge-points/{id}/UnlockConnector": "operator",
  "POST /api/v1/charge-points/{id}/UpdateFirmware": "operator",
  // The 7 CS->CP commands of the Security extension (Security Whitepaper ed. 3 §5).
  "POST /api/v1/charge-points/{id}/CertificateSigned": "admin",
  "POST /api/v1/charge-points/{id}/DeleteCertificate": "admin",
  "POST /api/v1/charge-points/{id}/ExtendedTriggerMessage": "operator",
  "POST /api/v1/charge-points/{id}/GetInstalledCertificateIds": "operator",
  "POST /api/v1/charge-points/{id}/GetLog": "operator",
  "POST /api/v1/charge-points/{id}/InstallCertificate": "admin",
  "POST /api/v1/charge-points/{id}/SignedUpdateFirmware": "operator",
  // The 9 CS->CP commands of OCPP 2.0.1 without a 1.6 namesake (issue 17); SetNetworkProfile changes whom
  // the station trusts and how it connects (security/trust_commands.ts).
  "POST /api/v1/charge-points/{id}/GetBaseReport": "operator",
  "POST /api/v1/charge-points/{id}/GetChargingProfiles": "operator",
  "POST /api/v1/charge-points/{id}/GetReport": "operator",
  "POST /api/v1/charge-points/{id}/GetTransactionStatus": "operator",
  "POST /api/v1/charge-points/{id}/GetVariables": "operator",
  "POST /api/v1/charge-points/{id}/RequestStartTransaction": "operator",
  "POST /api/v1/charge-points/{id}/RequestStopTransaction": "operator",
  "POST /api/v1/charge-points/{id}/SetVariables": "operator",
  "POST /api/v1/charge-points/{id}/SetNetworkProfile": "admin",
};

/** Commands only an OCPP 2.0.1 station has: sent to STATION_201. */
const ONLY_201 = new Set(Object.keys(COMMAND_SAMPLES_201).filter((a) => !(a in COMMAND_SAMPLES)));
const STATION_201 = "CP-MATRIX-201";

// OCPP action names start with a capital: `disconnect` and `upload-urls` are not commands.
const COMMAND = /^POST \/api\/v1\/charge-points\/\{id\}\/([A-Z][A-Za-z]+)$/;
const STATION = "CP-MATRIX";
const USERS: Record<Role, { username: string; password: string }> = {
  viewer: { username: "vera", password: "vera-password" },
  operator: { username: "otto", password: "otto-password" },
  admin: ADMIN,
};

/** Someone calling the API: anonymous, a user with a session cookie, or an API token. */
interface Caller {
  label: string;
  rank: number;
  /** The credential headers for `route` (a logout gets a session of its own, so the shared one survives). */
  headers(route: string): Promise<Record<string, string>>;
}

async function callers(server: ApiTestServer): Promise<Caller[]> {
  for (const role of ["viewer", "operator"] as const) {
    const made = await server.json("/api/v1/users", { method: "POST", body: { ...USERS[role], role } });
    assertEquals(made.status, 201, `creating the ${role} user`);
  }
  const list: Caller[] = [{ label: "anonymous", rank: RANK.anonymous, headers: () => Promise.resolve({}) }];
  for (const role of ["viewer", "operator", "admin"] as const) {
    const { username, password } = USERS[role];
    const cookie = await server.login(username, password);
    list.push({
      label: `user ${username} (${role})`,
      rank: RANK[role],
      headers: async (route) => ({
        cookie: route === "POST /api/v1/auth/logout" ? await server.login(username, password) : cookie,
      }),
    });
    list.push({
      label: `${role} token`,
      rank: RANK[role],
      headers: () => Promise.resolve({ authorization: `Bearer ${server.tokens[role]}` }),
    });
  }
  return list;
}

/** Sends `route` with its path parameters filled; a command gets its valid sample request, others `{}`. */
async function send(server: ApiTestServer, route: string, headers: Record<string, string>) {
  const [method, template] = route.split(" ") as [string, string];
  const action = COMMAND.exec(route)?.[1];
  const path = template
    .replace("{id}", action ? (ONLY_201.has(action) ? STATION_201 : STATION) : "CP-NONE")
    .replace("{transactionId}", "999")
    .replace("{jobId}", "NO-JOB")
    .replace("{reservationId}", "999")
    .replace("{idTag}", "NO-TAG")
    .replace("{username}", "nobody")
    .replace("{siteId}", "no-site")
    .replace("{chargingProfileId}", "999");
  const sample = action ? (ONLY_201.has(action) ? COMMAND_SAMPLES_201 : COMMAND_SAMPLES)[action] : undefined;
  const body = action ? sample?.request : method === "GET" ? undefined : {};
  const res = await server.api(sample?.forced ? `${path}?force=true` : path, {
    method,
    as: null,
    headers,
    ...(body ? { body } : {}),
  });
  const text = await readSome(res);
  return { status: res.status, text };
}

/** The body, or its start for the event stream (which never ends on its own). */
async function readSome(res: Response): Promise<string> {
  if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
    await res.body?.cancel();
    return "";
  }
  return await res.text();
}

Deno.test("every API route and every command: 401 anonymous, 403 below the role in the policy table, allowed from it up (users and tokens)", async () => {
  const server = await startApiServer();
  // RemoteStart is refused for a tag this server would not accept: TAG-1 is a known card.
  await server.store.putIdTag({ idTag: "TAG-1", status: "Accepted", expiryDate: null, parentIdTag: null });
  const station = await connectStation(server.wsUrl, STATION);
  const station201 = await connectStation201(server.wsUrl, STATION_201);
  const received: Record<string, number> = {};
  for (const [action, { answer }] of Object.entries(COMMAND_SAMPLES)) {
    station.handle(action, () => {
      received[action] = (received[action] ?? 0) + 1;
      return answer;
    });
  }
  for (const action of ONLY_201) {
    station201.handle(action, () => {
      received[action] = (received[action] ?? 0) + 1;
      return COMMAND_SAMPLES_201[action]!.answer;
    });
  }
  try {
    const all = await callers(server);
    for (const [route, lowest] of Object.entries(POLICY)) {
      const action = COMMAND.exec(route)?.[1];
      for (const caller of all) {
        const before = action ? received[action] ?? 0 : 0;
        const { status, text } = await send(server, route, await caller.headers(route));
        const what = `${route} as ${caller.label} answered ${status} ${text.slice(0, 200)}`;
        if (caller.rank >= RANK[lowest]) {
          assert(status !== 401 && status !== 403 && status < 500, what);
          if (action) {
            // Allowed: the station gets the CALL and its answer is the HTTP answer.
            assertEquals(status, 200, what);
            const expected = ONLY_201.has(action)
              ? COMMAND_SAMPLES_201[action]?.expected ?? COMMAND_SAMPLES_201[action]?.answer
              : COMMAND_SAMPLES[action]?.answer;
            assertEquals(JSON.parse(text), expected, what);
            assertEquals(received[action], before + 1, `${what}: the station got no CALL`);
          }
        } else {
          assertEquals(status, caller.rank === RANK.anonymous ? 401 : 403, what);
          assertEquals(JSON.parse(text).error, status === 401 ? "unauthenticated" : "forbidden", what);
          if (action) assertEquals(received[action] ?? 0, before, `${what}: yet the station got the CALL`);
        }
      }
    }
    // Paths that exist nowhere are 401 too before authentication, 404 after; unknown commands need operator.
    assertEquals((await send(server, "GET /api/v1/nothing-here", {})).status, 401);
    const viewer = { authorization: `Bearer ${server.tokens.viewer}` };
    const operator = { authorization: `Bearer ${server.tokens.operator}` };
    assertEquals((await send(server, "GET /api/v1/nothing-here", viewer)).status, 404);
    assertEquals((await send(server, "POST /api/v1/charge-points/CP-1/Nope", viewer)).status, 403);
    assertEquals((await send(server, "POST /api/v1/charge-points/CP-1/Nope", operator)).status, 404);
    // Health stays open.
    assertEquals(
      await fetch(`${server.url}/healthz`).then(async (r) => (await r.body?.cancel(), r.status)),
      200,
    );
    // Error bodies have the one shape.
    const denied = await server.json("/api/v1/users", { as: "operator" });
    assertEquals(Object.keys(denied.body).sort(), ["details", "error", "message"]);
    assertEquals(denied.body.error, "forbidden");
  } finally {
    await closeStation(station);
    await closeStation(station201);
    await server.close();
  }
});

Deno.test("the OpenAPI document lists exactly the routes of the policy table, each with the table's role", async () => {
  const server = await startApiServer();
  try {
    const doc = (await server.json("/api/openapi.json", { as: "viewer" })).body;
    const documented: Record<string, string> = {};
    for (
      const [path, methods] of Object.entries(
        doc.paths as Record<string, Record<string, { "x-required-role": string }>>,
      )
    ) {
      for (const [method, op] of Object.entries(methods)) {
        documented[`${method.toUpperCase()} ${path}`] = op["x-required-role"];
      }
    }
    assertEquals(Object.keys(documented).sort(), Object.keys(POLICY).sort());
    assertEquals(documented, POLICY);
  } finally {
    await server.close();
  }
});

Deno.test("login sets an HttpOnly SameSite=Lax cookie that works until logout", async () => {
  const server = await startApiServer();
  try {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    const body = await res.json();
    assertEquals(res.status, 200);
    assertEquals(body.user.role, "admin");
    assertFalse("passwordHash" in body.user);
    const setCookie = res.headers.get("set-cookie") ?? "";
    assertStringIncludes(setCookie, "HttpOnly");
    assertStringIncludes(setCookie, "SameSite=Lax");
    assertStringIncludes(setCookie, "Path=/");
    assertFalse(setCookie.includes("Secure"), "plain http: no Secure flag");
    const cookie = setCookie.split(";")[0]!;
    const me = await server.json("/api/v1/auth/me", { as: null, headers: { cookie } });
    assertEquals(me.body, { kind: "user", name: "root", role: "admin" });
    // A cookie-authenticated change from another origin is refused.
    const foreign = await server.json("/api/v1/id-tags", {
      method: "POST",
      as: null,
      body: { idTag: "X" },
      headers: { cookie, origin: "https://evil.example" },
    });
    assertEquals(foreign.status, 403);
    const own = await server.json("/api/v1/id-tags", {
      method: "POST",
      as: null,
      body: { idTag: "X" },
      headers: { cookie, origin: server.url },
    });
    assertEquals(own.status, 201);
    const out = await server.api("/api/v1/auth/logout", { method: "POST", as: null, headers: { cookie } });
    assertEquals(out.status, 204);
    assertStringIncludes(out.headers.get("set-cookie") ?? "", "Max-Age=0");
    assertEquals((await server.json("/api/v1/auth/me", { as: null, headers: { cookie } })).status, 401);
    // Behind an https proxy, the cookie is Secure.
    const proxied = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-proto": "https" },
      body: JSON.stringify(ADMIN),
    });
    await proxied.body?.cancel();
    assertStringIncludes(proxied.headers.get("set-cookie") ?? "", "Secure");
  } finally {
    await server.close();
  }
});

Deno.test("a wrong password or an unknown user is 401 with the same message", async () => {
  const server = await startApiServer();
  try {
    const wrong = await server.json("/api/v1/auth/login", {
      method: "POST",
      as: null,
      body: { username: "root", password: "not-it-at-all" },
    });
    const unknown = await server.json("/api/v1/auth/login", {
      method: "POST",
      as: null,
      body: { username: "ghost", password: "not-it-at-all" },
    });
    assertEquals([wrong.status, unknown.status], [401, 401]);
    assertEquals(wrong.body.message, unknown.body.message);
    assertEquals(wrong.body.message, "Invalid username or password");
  } finally {
    await server.close();
  }
});

Deno.test("admins manage users: roles apply at once, a disabled user is logged out, the last admin stays", async () => {
  const server = await startApiServer();
  try {
    const created = await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "olga", role: "operator", password: "olga-password" },
    });
    assertEquals([created.status, created.body.role], [201, "operator"]);
    assertEquals(
      (await server.json("/api/v1/users", {
        method: "POST",
        body: { username: "olga", role: "viewer", password: "x".repeat(8) },
      }))
        .status,
      409,
    );
    const short = await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "pat", role: "viewer", password: "short" },
    });
    assertEquals([short.status, short.body.details.field], [400, "password"]);
    const cookie = await server.login("olga", "olga-password");
    const asOlga = (path: string, method = "GET") =>
      server.api(path, { method, as: null, headers: { cookie } }).then(async (
        r,
      ) => (await r.body?.cancel(), r.status));
    assertEquals(await asOlga("/api/v1/charge-points"), 200);
    assertEquals(await asOlga("/api/v1/users"), 403);
    // Demoted: the same session now has viewer rights.
    assertEquals(
      (await server.json("/api/v1/users/olga", { method: "PATCH", body: { role: "viewer" } })).status,
      200,
    );
    assertEquals(
      (await server.json("/api/v1/auth/me", { as: null, headers: { cookie } })).body.role,
      "viewer",
    );
    // Disabled: the session stops working, and so does logging in.
    assertEquals(
      (await server.json("/api/v1/users/olga", { method: "PATCH", body: { disabled: true } })).status,
      200,
    );
    assertEquals(await asOlga("/api/v1/charge-points"), 401);
    const relogin = await server.json("/api/v1/auth/login", {
      method: "POST",
      as: null,
      body: { username: "olga", password: "olga-password" },
    });
    assertEquals(relogin.status, 401);
    // The last active admin can be neither demoted nor deleted.
    const demote = await server.json("/api/v1/users/root", { method: "PATCH", body: { role: "operator" } });
    assertEquals([demote.status, demote.body.error], [409, "conflict"]);
    assertEquals((await server.json("/api/v1/users/root", { method: "DELETE" })).status, 409);
    assertEquals((await server.json("/api/v1/users/olga", { method: "DELETE" })).status, 204);
    assertEquals((await server.json("/api/v1/users/olga", { method: "DELETE" })).status, 404);
    const list = await server.json("/api/v1/users");
    assertEquals(list.body.items.map((u: { username: string }) => u.username), ["root"]);
    assertFalse(JSON.stringify(list.body).includes("pbkdf2"), "no password hash leaves the server");
  } finally {
    await server.close();
  }
});

Deno.test("changing my password logs out my sessions; the new password works", async () => {
  const server = await startApiServer();
  try {
    const cookie = await server.login(ADMIN.username, ADMIN.password);
    const wrong = await server.json("/api/v1/auth/password", {
      method: "PUT",
      as: null,
      headers: { cookie },
      body: { currentPassword: "nope", newPassword: "another-password" },
    });
    assertEquals([wrong.status, wrong.body.details.field], [400, "currentPassword"]);
    const ok = await server.api("/api/v1/auth/password", {
      method: "PUT",
      as: null,
      headers: { cookie },
      body: { currentPassword: ADMIN.password, newPassword: "another-password" },
    });
    assertEquals(ok.status, 204);
    assertEquals((await server.json("/api/v1/auth/me", { as: null, headers: { cookie } })).status, 401);
    await server.login(ADMIN.username, "another-password");
  } finally {
    await server.close();
  }
});

Deno.test("API tokens: shown once, stored hashed, revocable, and expiring", async () => {
  const server = await startApiServer();
  try {
    const made = await server.json("/api/v1/tokens", {
      method: "POST",
      body: { name: "billing", role: "viewer" },
    });
    assertEquals(made.status, 201);
    assert(made.body.token.startsWith("csms_"));
    const use = (token: string) =>
      fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
        r.json()
      );
    assertEquals(await use(made.body.token), { kind: "token", name: "billing", role: "viewer" });
    const list = await server.json("/api/v1/tokens");
    assertFalse(JSON.stringify(list.body).includes(made.body.token), "the secret is never listed");
    const stored = await server.auth.listTokens();
    assertFalse(JSON.stringify(stored).includes(made.body.token), "the secret is not stored");
    assertEquals((await server.api(`/api/v1/tokens/${made.body.id}`, { method: "DELETE" })).status, 204);
    assertEquals((await use(made.body.token)).error, "unauthenticated");
    // A token that would never work is not made; one that expired is refused; a garbage header is 401
    // rather than anonymous.
    const past = await server.json("/api/v1/tokens", {
      method: "POST",
      body: { name: "old", role: "admin", expiresAt: "2020-01-01T00:00:00Z" },
    });
    assertEquals([past.status, past.body.details?.field], [400, "expiresAt"]);
    const expired = await issueApiToken(server.auth, {
      name: "old",
      role: "admin",
      creator: {
        kind: "user",
        name: ADMIN.username,
        role: "admin",
        credentialId: "test",
        owner: ADMIN.username,
      },
      expiresAt: "2020-01-01T00:00:00.000Z",
    }, new Date("2019-12-01T00:00:00Z"));
    assertEquals((await use(expired!.secret)).error, "unauthenticated");
    const garbage = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: "Basic abc" } });
    await garbage.body?.cancel();
    assertEquals(garbage.status, 401);
    // Behind a proxy's auth_basic, the browser adds its Basic credentials to the dashboard's session.
    const cookie = await server.login(ADMIN.username, ADMIN.password);
    const behindProxy = await server.json("/api/v1/auth/me", {
      as: null,
      headers: { cookie, authorization: `Basic ${btoa("proxy-user:proxy-password")}` },
    });
    assertEquals([behindProxy.status, behindProxy.body.name], [200, ADMIN.username]);
    const badBearer = await server.json("/api/v1/auth/me", {
      as: null,
      headers: { cookie, authorization: "Bearer csms_not-a-token" },
    });
    assertEquals(badBearer.status, 401, "a bad token never falls back to the cookie");
  } finally {
    await server.close();
  }
});

Deno.test("a token never does more than its maker may now: demoting an admin demotes the tokens they made", async () => {
  const server = await startApiServer();
  try {
    await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "ada", role: "admin", password: "ada-password" },
    });
    const cookie = await server.login("ada", "ada-password");
    const made = await server.json("/api/v1/tokens", {
      method: "POST",
      as: null,
      headers: { cookie },
      body: { name: "ada-automation", role: "admin" },
    });
    assertEquals(made.status, 201);
    const asToken = async (path: string) => {
      const response = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${made.body.token}` },
      });
      return { status: response.status, body: await response.json() };
    };
    assertEquals((await asToken("/api/v1/users")).status, 200);
    assertEquals(
      (await server.json("/api/v1/users/ada", { method: "PATCH", body: { role: "viewer" } })).status,
      200,
    );
    assertEquals((await asToken("/api/v1/auth/me")).body.role, "viewer");
    assertEquals((await asToken("/api/v1/users")).status, 403);
    assertEquals((await asToken("/api/v1/charge-points")).status, 200, "still a viewer");
    // Promoted back: the token has its own role again, never more.
    await server.json("/api/v1/users/ada", { method: "PATCH", body: { role: "operator" } });
    assertEquals((await asToken("/api/v1/auth/me")).body.role, "operator");
    await server.json("/api/v1/users/ada", { method: "PATCH", body: { role: "admin" } });
    assertEquals((await asToken("/api/v1/users")).status, 200);
  } finally {
    await server.close();
  }
});

Deno.test("a short-lived token cannot mint a token that outlives it", async () => {
  const server = await startApiServer();
  try {
    const expiresAt = new Date(Date.now() + 120_000).toISOString();
    const short = await server.json("/api/v1/tokens", {
      method: "POST",
      body: { name: "short", role: "admin", expiresAt },
    });
    assertEquals(short.status, 201);
    const mint = (body: Record<string, unknown>) =>
      fetch(`${server.url}/api/v1/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${short.body.token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const unlimited = await mint({ name: "minted", role: "admin" });
    assertEquals([unlimited.status, unlimited.body.expiresAt], [201, expiresAt]);
    const later = await mint({ name: "later", role: "admin", expiresAt: "2099-01-01T00:00:00.000Z" });
    assertEquals([later.status, later.body.details?.field], [400, "expiresAt"]);
    const sooner = new Date(Date.now() + 60_000).toISOString();
    const earlier = await mint({ name: "earlier", role: "viewer", expiresAt: sooner });
    assertEquals([earlier.status, earlier.body.expiresAt], [201, sooner]);
  } finally {
    await server.close();
  }
});

Deno.test("ADMIN_USER/ADMIN_PASSWORD create the first admin only when there are no users", async () => {
  const { openKvAuthStore } = await import("../store/kv/auth.ts");
  const auth = await openKvAuthStore(":memory:");
  try {
    const first = await startTestServer({ ADMIN_USER: "boss", ADMIN_PASSWORD: "first-password" }, { auth });
    await first.close();
    const again = await startTestServer({ ADMIN_USER: "boss2", ADMIN_PASSWORD: "second-password" }, { auth });
    try {
      assertEquals((await auth.listUsers()).map((u) => [u.username, u.role]), [["boss", "admin"]]);
      const login = await fetch(`${again.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "boss", password: "first-password" }),
      });
      await login.body?.cancel();
      assertEquals(login.status, 200);
    } finally {
      await again.close();
    }
    // Without the variables and without users, nobody can log in (no default password).
    const bare = await startTestServer();
    try {
      assertEquals(await bare.auth.countUsers(), 0);
      assert(bare.logs.some((l) => String(l.msg).includes("no operator users")));
    } finally {
      await bare.close();
    }
  } finally {
    await auth.close();
  }
});

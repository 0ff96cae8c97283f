/**
 * A station that answers a security change after CALL_TIMEOUT_MS: the operator met the timeout (504) and the
 * new AuthorizationKey or raised profile stayed pending, but the station did answer. A late answer settles it
 * as a timely one would: Accepted makes the key the station's (it reconnects with it, also past
 * PENDING_AUTHORIZATION_KEY_TTL_H: no lock-out), Rejected forgets the key (no second password, and no raise
 * let through on a key the station does not hold) and forgets the raise; a raise accepted late stays pending
 * until the station connects meeting it, as one accepted in time. Raw `ws` stations of 1.6 and 2.0.1, the
 * server's clock moved past the TTL, on KV and on PostgreSQL (the station security store).
 */
import { assertEquals } from "@std/assert";
import { openPostgresStationSecurityStore } from "../store/postgres/station_security.ts";
import type { StationSecurityStore } from "../store/station_security.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { basic } from "./helpers/secure_station.ts";
import { handshake } from "./helpers/security_profile_raise.ts";
import { eventually } from "./helpers/server.ts";
import { openRaw, rawCall, type RawSocket } from "./helpers/station.ts";

const TIMEOUT_MS = 300;
const HOUR = 3_600_000;
const KEY = "s3cret-Authorization-Key-0001";
const NEW_KEY = "late-accepted-key-0000000001";
const REFUSED_KEY = "late-rejected-key-0000000002";

type Json = Record<string, unknown>;
type Backend = "KV" | "PostgreSQL";

const ignorePostgres = await ignoreWithoutPostgres("late security answers on PostgreSQL");

/** A server on `backend` with a short call timeout, a 1 h TTL, a trusted proxy and a clock the test moves. */
async function withServer(
  backend: Backend,
  fn: (server: ApiTestServer, clock: { offsetMs: number }) => Promise<void>,
  database = "late2_security",
): Promise<void> {
  const db = backend === "PostgreSQL" ? await migratedDatabase(database) : null;
  let store: StationSecurityStore | undefined;
  try {
    if (db) store = await openPostgresStationSecurityStore(db.url);
    const clock = { offsetMs: 0 };
    const server = await startApiServer(
      {
        CALL_TIMEOUT_MS: String(TIMEOUT_MS),
        PENDING_AUTHORIZATION_KEY_TTL_H: "1",
        TRUSTED_PROXIES: "127.0.0.1/32, ::1",
      },
      { now: () => new Date(Date.now() + clock.offsetMs), ...(store ? { stationSecurity: store } : {}) },
    );
    try {
      await fn(server, clock);
    } finally {
      await server.close();
    }
  } finally {
    await db?.drop();
  }
}

/**
 * Sends `path` as the admin, lets its CALL time out (504) and gives the CALL's message id and the error body;
 * the station answers later with `late` (a CALLRESULT payload).
 */
async function timedOut(server: ApiTestServer, station: RawSocket, path: string, body: unknown) {
  const asked = server.json(path, { method: "POST", body });
  const call = await station.next(10_000) as unknown[];
  const answer = await asked;
  assertEquals([answer.status, answer.body.error], [504, "station_timeout"], JSON.stringify(answer.body));
  return { messageId: call[1] as string, action: call[2] as string, body: answer.body as Json };
}

function answerLate(station: RawSocket, messageId: string, payload: unknown) {
  station.send(JSON.stringify([3, messageId, payload]));
}

function errorLate(station: RawSocket, messageId: string) {
  station.send(JSON.stringify([4, messageId, "InternalError", "cannot store it now", {}]));
}

async function view(server: ApiTestServer, id: string) {
  const res = await server.json(`/api/v1/station-security/${id}`);
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body as Json & {
    pendingAuthorizationKeys: unknown[];
    pendingSecurityProfile: { profile: number } | null;
    effectiveProfile: number;
  };
}

async function pendingKeysSettled(server: ApiTestServer, id: string, what: string) {
  await eventually(async () => (await view(server, id)).pendingAuthorizationKeys.length === 0, 5000, what);
}

async function boot16(station: RawSocket) {
  const boot = await rawCall(station, "BootNotification", {
    chargePointVendor: "Acme",
    chargePointModel: "X",
  });
  assertEquals(boot[0], 3);
}

for (const backend of ["KV", "PostgreSQL"] as Backend[]) {
  Deno.test({
    name:
      `${backend}: an AuthorizationKey accepted late is the key (past the TTL too); one rejected late is forgotten`,
    ignore: backend === "PostgreSQL" && ignorePostgres,
    fn: () =>
      withServer(backend, async (server, clock) => {
        const id = "CP-LATEKEY";
        await server.json(`/api/v1/station-security/${id}`, {
          method: "PATCH",
          body: { securityProfile: 1, authorizationKey: KEY },
        });
        const station = await openRaw(`${server.wsUrl}/${id}`, ["ocpp1.6"], { headers: basic(id, KEY) });
        let generated: string;
        try {
          await boot16(station);
          const path = `/api/v1/charge-points/${id}/ChangeConfiguration`;

          const accepted = await timedOut(server, station, path, { key: "AuthorizationKey", value: NEW_KEY });
          assertEquals(
            (await view(server, id)).pendingAuthorizationKeys.length,
            1,
            "pending after the timeout",
          );
          answerLate(station, accepted.messageId, { status: "Accepted" });
          await pendingKeysSettled(server, id, "the late Accepted takes the key");

          const refused = await timedOut(server, station, path, {
            key: "AuthorizationKey",
            value: REFUSED_KEY,
          });
          answerLate(station, refused.messageId, { status: "Rejected" });
          await pendingKeysSettled(server, id, "the late Rejected forgets the key");

          // The generate endpoint's key too (the error gives it, pending).
          const made = await timedOut(
            server,
            station,
            `/api/v1/station-security/${id}/authorization-key`,
            {},
          );
          assertEquals(made.action, "ChangeConfiguration");
          const details = made.body.details as { authorizationKey: string; pending: boolean };
          assertEquals(details.pending, true);
          generated = details.authorizationKey;
          answerLate(station, made.messageId, { status: "Accepted" });
          await pendingKeysSettled(server, id, "the late Accepted takes the generated key");
        } finally {
          await station.close();
        }
        await eventually(() => !server.registry.isConnected(id), 5000, "the station's socket closed");
        // The station reconnects with the key it took, hours later: let in; no other key is.
        clock.offsetMs = 2 * HOUR;
        assertEquals(await handshake(server, id, basic(id, generated)), 101, "the key taken late");
        assertEquals(await handshake(server, id, basic(id, REFUSED_KEY)), 401, "the key rejected late");
        assertEquals(await handshake(server, id, basic(id, NEW_KEY)), 401, "the key replaced since");
        assertEquals(await handshake(server, id, basic(id, KEY)), 401, "the old key");
      }),
  });

  Deno.test({
    name: `${backend}: a key rejected late lets no raise through; a raise rejected late is forgotten, ` +
      "one accepted late settles at its first connection",
    ignore: backend === "PostgreSQL" && ignorePostgres,
    fn: () =>
      withServer(backend, async (server) => {
        const id = "CP-LATERAISE";
        await server.json(`/api/v1/station-security/${id}`, {
          method: "PATCH",
          body: { securityProfile: 0 },
        });
        const station = await openRaw(`${server.wsUrl}/${id}`);
        const path = `/api/v1/charge-points/${id}/ChangeConfiguration`;
        try {
          await boot16(station);
          // A key the station refused late is no key: a raise to 1 would shut it out.
          const key = await timedOut(server, station, path, { key: "AuthorizationKey", value: REFUSED_KEY });
          answerLate(station, key.messageId, { status: "Rejected" });
          await pendingKeysSettled(server, id, "the late Rejected forgets the key");
          const raise = await server.json(path, {
            method: "POST",
            body: { key: "SecurityProfile", value: "1" },
          });
          assertEquals([raise.status, raise.body.error], [409, "conflict"], JSON.stringify(raise.body));

          await server.json(`/api/v1/station-security/${id}`, {
            method: "PATCH",
            body: { authorizationKey: KEY },
          });
          const rejected = await timedOut(server, station, path, { key: "SecurityProfile", value: "1" });
          assertEquals(
            (await view(server, id)).pendingSecurityProfile?.profile,
            1,
            "pending after the timeout",
          );
          answerLate(station, rejected.messageId, { status: "Rejected" });
          await eventually(
            async () => (await view(server, id)).pendingSecurityProfile === null,
            5000,
            "the late Rejected forgets the raise",
          );

          const accepted = await timedOut(server, station, path, { key: "SecurityProfile", value: "1" });
          answerLate(station, accepted.messageId, { status: "Accepted" });
          await eventually(
            async () => {
              const rows = (await server.json(`/api/v1/charge-points/${id}/commands`)).body.items as Json[];
              return rows.some((r) =>
                (r.lateAnswer as Json | undefined)?.response !== undefined &&
                ((r.lateAnswer as Json).response as Json).status === "Accepted"
              );
            },
            5000,
            "the late Accepted on its row",
          );
        } finally {
          await station.close();
        }
        await eventually(() => !server.registry.isConnected(id), 5000, "the station's socket closed");
        assertEquals((await view(server, id)).pendingSecurityProfile?.profile, 1, "pending as if in time");
        assertEquals(await handshake(server, id, basic(id, KEY)), 101, "its first connection meeting 1");
        const settled = await view(server, id);
        assertEquals([settled.effectiveProfile, settled.pendingSecurityProfile], [1, null]);
        assertEquals(await handshake(server, id), 401, "profile 0 no longer");
      }),
  });

  Deno.test({
    name:
      `${backend}: 2.0.1, a BasicAuthPassword accepted late is the key; a SetNetworkProfile rejected late ` +
      "is forgotten",
    ignore: backend === "PostgreSQL" && ignorePostgres,
    fn: () =>
      withServer(backend, async (server, clock) => {
        const id = "CP-LATE201";
        await server.json(`/api/v1/station-security/${id}`, {
          method: "PATCH",
          body: { securityProfile: 1, authorizationKey: KEY },
        });
        const station = await openRaw(`${server.wsUrl}/${id}`, ["ocpp2.0.1"], { headers: basic(id, KEY) });
        try {
          const boot = { reason: "PowerUp", chargingStation: { model: "M", vendorName: "V" } };
          assertEquals((await rawCall(station, "BootNotification", boot))[0], 3);
          const variable = { component: { name: "SecurityCtrlr" }, variable: { name: "BasicAuthPassword" } };
          const key = await timedOut(server, station, `/api/v1/charge-points/${id}/SetVariables`, {
            setVariableData: [{ ...variable, attributeValue: NEW_KEY }],
          });
          answerLate(station, key.messageId, {
            setVariableResult: [{ ...variable, attributeStatus: "Accepted" }],
          });
          await pendingKeysSettled(server, id, "the late Accepted takes the key");

          const raise = await timedOut(server, station, `/api/v1/charge-points/${id}/SetNetworkProfile`, {
            configurationSlot: 2,
            connectionData: {
              ocppVersion: "OCPP20",
              ocppTransport: "JSON",
              ocppCsmsUrl: "wss://csms.example.com/ocpp",
              messageTimeout: 30,
              securityProfile: 2,
              ocppInterface: "Wired0",
            },
          });
          assertEquals(
            (await view(server, id)).pendingSecurityProfile?.profile,
            2,
            "pending after the timeout",
          );
          answerLate(station, raise.messageId, { status: "Rejected" });
          await eventually(
            async () => (await view(server, id)).pendingSecurityProfile === null,
            5000,
            "the late Rejected forgets the raise",
          );
        } finally {
          await station.close();
        }
        await eventually(() => !server.registry.isConnected(id), 5000, "the station's socket closed");
        clock.offsetMs = 2 * HOUR;
        const protocols = ["ocpp2.0.1"];
        assertEquals(await handshake(server, id, basic(id, NEW_KEY), protocols), 101, "the key taken late");
        assertEquals(await handshake(server, id, basic(id, KEY), protocols), 401, "the old key");
      }),
  });

  Deno.test({
    name: `${backend}: a key or a raise answered with a CALLERROR after the timeout is forgotten, as in time`,
    ignore: backend === "PostgreSQL" && ignorePostgres,
    fn: () =>
      withServer(backend, async (server) => {
        const id = "CP-LATEERROR";
        await server.json(`/api/v1/station-security/${id}`, {
          method: "PATCH",
          body: { securityProfile: 0 },
        });
        const station = await openRaw(`${server.wsUrl}/${id}`);
        const path = `/api/v1/charge-points/${id}/ChangeConfiguration`;
        try {
          await boot16(station);
          const key = await timedOut(server, station, path, { key: "AuthorizationKey", value: REFUSED_KEY });
          assertEquals(
            (await view(server, id)).pendingAuthorizationKeys.length,
            1,
            "pending after the timeout",
          );
          errorLate(station, key.messageId);
          await pendingKeysSettled(server, id, "the late CALLERROR forgets the key");
          // No key the station holds: a raise to 1 would shut it out.
          const refused = await server.json(path, {
            method: "POST",
            body: { key: "SecurityProfile", value: "1" },
          });
          assertEquals([refused.status, refused.body.error], [409, "conflict"], JSON.stringify(refused.body));

          await server.json(`/api/v1/station-security/${id}`, {
            method: "PATCH",
            body: { authorizationKey: KEY },
          });
          const raise = await timedOut(server, station, path, { key: "SecurityProfile", value: "1" });
          assertEquals(
            (await view(server, id)).pendingSecurityProfile?.profile,
            1,
            "pending after the timeout",
          );
          errorLate(station, raise.messageId);
          await eventually(
            async () => (await view(server, id)).pendingSecurityProfile === null,
            5000,
            "the late CALLERROR forgets the raise",
          );
          const rows = (await server.json(`/api/v1/charge-points/${id}/commands`)).body.items as Json[];
          assertEquals(
            rows.filter((r) => (r.lateAnswer as Json | undefined)?.outcome === "callerror").length,
            2,
            "both late CALLERRORs on their rows",
          );
        } finally {
          await station.close();
        }
        await eventually(() => !server.registry.isConnected(id), 5000, "the station's socket closed");
        assertEquals(await handshake(server, id), 101, "still profile 0: nothing was raised");
      }, "late3_security"),
  });
}

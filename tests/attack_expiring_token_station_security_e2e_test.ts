/**
 * An API token that expires could not set a station's AuthorizationKey, but it could weaken whom the server
 * lets in as the station, which stays weakened after the token: lower its security profile (2 to 0: no key, no
 * TLS), set it to the default when that is lower, widen its address allow-list (or empty it: any address), or
 * delete its settings (back to the default profile and any address), or forget a higher profile the station
 * took and the server awaits (a PATCH of the profile ends a pending raise). Each now answers 403 with a JSON body and
 * changes nothing; tightening (a higher profile, a narrower allow-list) is still the token's to do, and a token
 * that never expires keeps every right.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { bootedRawStation } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring admin token cannot lower a station's profile, widen its allow-list or delete its settings", async () => {
  const server = await startApiServer();
  try {
    const { call: asHour } = await expiringToken(server, "admin");
    const path = "/station-security/SEC-TIGHT-1";
    const set = await server.json(`/api/v1${path}`, {
      method: "PATCH",
      body: { securityProfile: 2, authorizationKey: "admin-chosen-key-0001", allowedIps: ["10.1.0.0/16"] },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    const stored = async () => {
      const res = await server.json(`/api/v1${path}`);
      return [res.body.securityProfile, res.body.allowedIps, res.body.configured];
    };

    for (
      const change of [
        { securityProfile: 1 },
        { securityProfile: 0 },
        { securityProfile: null }, // the default, SECURITY_PROFILE 0
        { allowedIps: [] }, // any address
        { allowedIps: ["10.1.0.0/15"] },
        { allowedIps: ["10.1.0.0/16", "192.168.0.7"] },
        { allowedIps: ["10.1.2.3"], securityProfile: 1 },
      ]
    ) {
      const res = await asHour("PATCH", path, change);
      assertEquals(res.status, 403, `${JSON.stringify(change)}: ${JSON.stringify(res.body)}`);
      assertEquals(res.body.error, "forbidden");
    }
    const deleted = await asHour("DELETE", path);
    assertEquals(deleted.status, 403, JSON.stringify(deleted.body));
    assertEquals(deleted.body.error, "forbidden");
    assertEquals(await stored(), [2, ["10.1.0.0/16"], true]);

    // Tightening lasts, but lets in no one the settings did not: the token may do it.
    const raised = await asHour("PATCH", path, { securityProfile: 3 });
    assertEquals(raised.status, 200, JSON.stringify(raised.body));
    const narrowed = await asHour("PATCH", path, { allowedIps: ["10.1.2.0/24", "10.1.9.9"] });
    assertEquals(narrowed.status, 200, JSON.stringify(narrowed.body));
    const same = await asHour("PATCH", path, { securityProfile: 3, allowedIps: ["10.1.9.9", "10.1.2.0/24"] });
    assertEquals(same.status, 200, JSON.stringify(same.body));
    assertEquals(await stored(), [3, ["10.1.9.9", "10.1.2.0/24"], true]);
    // Settings that are the defaults already: deleting them lets in no one more.
    const plain = await server.json("/api/v1/station-security/SEC-PLAIN-1", {
      method: "PATCH",
      body: { securityProfile: 0 },
    });
    assertEquals(plain.status, 200, JSON.stringify(plain.body));
    const plainDeleted = await asHour("DELETE", "/station-security/SEC-PLAIN-1");
    assertEquals(plainDeleted.status, 204, JSON.stringify(plainDeleted.body));

    // A token that never expires keeps the right.
    const lowered = await server.json(`/api/v1${path}`, { method: "PATCH", body: { securityProfile: 0 } });
    assertEquals(lowered.status, 200, JSON.stringify(lowered.body));
    const gone = await server.api(`/api/v1${path}`, { method: "DELETE" });
    assertEquals(gone.status, 204);
  } finally {
    await server.close();
  }
});

Deno.test("an expiring admin token cannot forget a security profile raise the station took", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/SEC-RAISE-1`);
  try {
    const { call: asHour } = await expiringToken(server, "admin");
    const path = "/station-security/SEC-RAISE-1";
    const keyed = await server.json(`/api/v1${path}`, {
      method: "PATCH",
      body: { securityProfile: 0, authorizationKey: "admin-chosen-key-0002" },
    });
    assertEquals(keyed.status, 200, JSON.stringify(keyed.body));
    // The station takes SecurityProfile 1: the server awaits its first connection with the key.
    const raised = server.json("/api/v1/charge-points/SEC-RAISE-1/ChangeConfiguration", {
      method: "POST",
      body: { key: "SecurityProfile", value: "1" },
    });
    const call = await station.next() as unknown[];
    assertEquals([call[0], call[2]], [2, "ChangeConfiguration"]);
    station.send(JSON.stringify([3, call[1], { status: "Accepted" }]));
    assertEquals((await raised).status, 200);
    const pending = async () =>
      (await server.json(`/api/v1${path}`)).body.pendingSecurityProfile?.profile ?? null;
    assertEquals(await pending(), 1);

    // Setting the profile it has ends the raise: profile 0 would let in whoever names the station, for good.
    const kept = await asHour("PATCH", path, { securityProfile: 0 });
    assertEquals(kept.status, 403, JSON.stringify(kept.body));
    const deleted = await asHour("DELETE", path);
    assertEquals(deleted.status, 403, JSON.stringify(deleted.body));
    assertEquals(await pending(), 1);
    // A change that keeps the raise pending, or sets the raised profile itself, is the token's to make.
    const narrowed = await asHour("PATCH", path, { allowedIps: ["127.0.0.1"] });
    assertEquals(narrowed.status, 200, JSON.stringify(narrowed.body));
    assertEquals(await pending(), 1);
    const settled = await asHour("PATCH", path, { securityProfile: 1 });
    assertEquals(settled.status, 200, JSON.stringify(settled.body));
    assertEquals([settled.body.securityProfile, settled.body.pendingSecurityProfile], [1, null]);
  } finally {
    await station.close();
    await server.close();
  }
});

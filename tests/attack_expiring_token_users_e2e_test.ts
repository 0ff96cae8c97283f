/**
 * An API token that expires may not mint a token that outlives it, but it could mint a user: an admin token
 * good for an hour created an admin user with a password (who never expires), set the password of an existing
 * admin, or raised a viewer to admin, each a credential that outlives the token; and it could create a webhook,
 * or send one elsewhere or with more events, which goes on delivering station events after it. Now those
 * answer 403 with a JSON body; the same token may still do what lasts no longer than it (lower a role, disable
 * a user or a webhook), and a token that never expires and a user session keep every right they had.
 */
import { assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { SAMPLE_CERTIFICATE } from "./helpers/sample_certificate.ts";
import { bootedRawStation, expectRefused } from "./helpers/station.ts";
import { expiringToken } from "./helpers/expiring_token.ts";

Deno.test("an expiring admin token cannot create a user, set a password or raise a role; it may lower one", async () => {
  const server = await startApiServer();
  try {
    const { call: asHour } = await expiringToken(server, "admin");
    const created = await asHour("POST", "/users", {
      username: "persist",
      password: "persist-password-1",
      role: "admin",
    });
    assertEquals(created.status, 403, JSON.stringify(created.body));
    assertEquals(created.body.error, "forbidden");
    const reset = await asHour("PATCH", `/users/${ADMIN.username}`, { password: "hijacked-password-1" });
    assertEquals(reset.status, 403, JSON.stringify(reset.body));
    // The admin's password still works: nothing was changed.
    await server.login(ADMIN.username, ADMIN.password);

    const viewer = await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "vera", password: "vera-password-1", role: "viewer" },
    });
    assertEquals(viewer.status, 201, JSON.stringify(viewer.body));
    const raised = await asHour("PATCH", "/users/vera", { role: "admin" });
    assertEquals(raised.status, 403, JSON.stringify(raised.body));
    const enabled = await asHour("PATCH", "/users/vera", { disabled: false });
    assertEquals(enabled.status, 403, JSON.stringify(enabled.body));
    // What lasts no longer than the token is still its to do.
    const disabled = await asHour("PATCH", "/users/vera", { disabled: true });
    assertEquals(disabled.status, 200, JSON.stringify(disabled.body));
    const users = await server.json("/api/v1/users");
    assertEquals(
      (users.body.items as { username: string; role: string }[]).map((u) => [u.username, u.role]),
      [["root", "admin"], ["vera", "viewer"]],
    );

    // A token that never expires (the helper's) keeps the right.
    const lasting = await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "otto", password: "otto-password-1", role: "operator" },
    });
    assertEquals(lasting.status, 201, JSON.stringify(lasting.body));
  } finally {
    await server.close();
  }
});

Deno.test("an expiring admin token cannot create a webhook or widen one; it may disable one", async () => {
  const server = await startApiServer({ WEBHOOK_ALLOW_LOOPBACK: "true" });
  try {
    const { call: asHour } = await expiringToken(server, "admin");
    const hook = { url: "http://127.0.0.1:9/hook", events: ["station.online"] };
    const created = await asHour("POST", "/webhooks", hook);
    assertEquals(created.status, 403, JSON.stringify(created.body));
    assertEquals(created.body.error, "forbidden");
    // One made by a token that never expires: the expiring one may not send it elsewhere or more.
    const lasting = await server.json("/api/v1/webhooks", { method: "POST", body: hook });
    assertEquals(lasting.status, 201, JSON.stringify(lasting.body));
    const id = lasting.body.id as string;
    for (
      const change of [
        { url: "http://127.0.0.1:9/elsewhere" },
        { events: ["station.online", "security.event"] },
        { enabled: true },
      ]
    ) {
      const res = await asHour("PATCH", `/webhooks/${id}`, change);
      assertEquals(res.status, 403, `${JSON.stringify(change)}: ${JSON.stringify(res.body)}`);
    }
    const disabled = await asHour("PATCH", `/webhooks/${id}`, { enabled: false, description: "paused" });
    assertEquals(disabled.status, 200, JSON.stringify(disabled.body));
    const stored = await server.json(`/api/v1/webhooks/${id}`);
    assertEquals(
      [stored.body.url, stored.body.events, stored.body.enabled],
      [hook.url, hook.events, false],
    );
  } finally {
    await server.close();
  }
});

Deno.test("an expiring admin token cannot set, generate or send a station's AuthorizationKey, install a root on a fleet, or renew a webhook secret", async () => {
  const server = await startApiServer({ WEBHOOK_ALLOW_LOOPBACK: "true" });
  const station = await bootedRawStation(`${server.wsUrl}/KEY-1`);
  try {
    const { call: asHour } = await expiringToken(server, "admin");
    // A station's key is its password: whoever set or read it could connect as the station after the token.
    const set = await asHour("PATCH", "/station-security/KEY-1", {
      securityProfile: 1,
      authorizationKey: "attacker-chosen-key-01",
    });
    assertEquals(set.status, 403, JSON.stringify(set.body));
    assertEquals(set.body.error, "forbidden");
    const generated = await asHour("POST", "/station-security/KEY-1/authorization-key", {});
    assertEquals(generated.status, 403, JSON.stringify(generated.body));
    const stored = await server.json("/api/v1/station-security/KEY-1");
    assertEquals(stored.status, 200, JSON.stringify(stored.body));
    assertEquals(stored.body.hasAuthorizationKey, false, JSON.stringify(stored.body));
    // Sent to the station (stored pending when it takes it): the same credential.
    const sent = await asHour("POST", "/charge-points/KEY-1/ChangeConfiguration", {
      key: "AuthorizationKey",
      value: "attacker-chosen-key-02",
    });
    assertEquals(sent.status, 403, JSON.stringify(sent.body));
    // A job may carry no key at all (a secret); a root certificate for the fleet is a trust that outlives it.
    const job = await asHour("POST", "/jobs", {
      action: "InstallCertificate",
      payload: { certificateType: "CentralSystemRootCertificate", certificate: SAMPLE_CERTIFICATE },
      chargePointIds: ["KEY-1"],
    });
    assertEquals(job.status, 403, JSON.stringify(job.body));
    assertEquals((await server.json("/api/v1/jobs")).body.items, []);
    // A webhook's new signing secret, shown to the token, would sign deliveries after it.
    const hook = await server.json("/api/v1/webhooks", {
      method: "POST",
      body: { url: "http://127.0.0.1:9/hook", events: ["station.online"] },
    });
    assertEquals(hook.status, 201, JSON.stringify(hook.body));
    const renewed = await asHour("PATCH", `/webhooks/${hook.body.id}`, { renewSecret: true });
    assertEquals(renewed.status, 403, JSON.stringify(renewed.body));
    // Removing the key, or a profile without one, lasts no longer than the token.
    const removed = await asHour("PATCH", "/station-security/KEY-1", { authorizationKey: null });
    assertEquals(removed.status, 200, JSON.stringify(removed.body));
    // A token that never expires keeps the right.
    const lasting = await server.json("/api/v1/station-security/KEY-1", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: "admin-chosen-key-0001" },
    });
    assertEquals(lasting.status, 200, JSON.stringify(lasting.body));
  } finally {
    await station.close();
    await server.close();
  }
});

Deno.test("an expiring admin token cannot let a station in without credentials (security profile 0)", async () => {
  const server = await startApiServer();
  try {
    // Set by a lasting admin: LOW-1 connects with its key only.
    const lasting = await server.json("/api/v1/station-security/LOW-1", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: "admin-chosen-key-0002" },
    });
    assertEquals(lasting.status, 200, JSON.stringify(lasting.body));
    assertEquals(await expectRefused(`${server.wsUrl}/LOW-1`), 401);
    const made = await server.json("/api/v1/tokens", {
      method: "POST",
      body: { name: "hour", role: "admin", expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    const hour = made.body.token as string;
    const patch = async (body: unknown) => {
      const res = await fetch(`${server.url}/api/v1/station-security/LOW-1`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${hour}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    // Profile 0 (or the default, 0 here): anyone, the token's holder too, could connect as LOW-1 after the token.
    for (
      const body of [{ securityProfile: 0 }, { securityProfile: null }, {
        securityProfile: 0,
        authorizationKey: null,
      }]
    ) {
      const lowered = await patch(body);
      assertEquals(lowered.status, 403, JSON.stringify([body, lowered.body]));
      assertEquals(lowered.body.error, "forbidden");
    }
    const stored = (await server.json("/api/v1/station-security/LOW-1")).body;
    assertEquals([stored.effectiveProfile, stored.hasAuthorizationKey], [1, true], JSON.stringify(stored));
    assertEquals(await expectRefused(`${server.wsUrl}/LOW-1`), 401);
    // What asks for credentials still may be set: profile 1 again, an allow-list.
    assertEquals((await patch({ securityProfile: 1, allowedIps: ["127.0.0.1"] })).status, 200);
  } finally {
    await server.close();
  }
});

/**
 * Operators racing each other through the API, as two browser tabs or two scripts would: two admins demoting
 * each other at the same moment (there used to be no admin left), an admin disabling a user while that user
 * changes their password (the user came back enabled), two scripts creating the same id tag (both got 201),
 * a block and an expiry change of one tag at once (one was lost), and a change racing a deletion (the tag
 * came back). Each race runs several rounds on both stores; every round must end in a state one of the
 * requests alone could have left, and the loser of a conflict is told (409), never silently overwritten.
 */
import { assert, assertEquals } from "@std/assert";
import { ADMIN } from "./helpers/api.ts";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";

const ROUNDS = 6;

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test(`${kind}: two admins demoting each other at once leave one admin`, async () => {
    await withApiServer(kind, async (server) => {
      const names = ["ann", "ben"];
      const cookies: string[] = [];
      for (const username of names) {
        const password = `${username}-password-1`;
        await server.json("/api/v1/users", { method: "POST", body: { username, role: "admin", password } });
        cookies.push(await server.login(username, password));
      }
      // The bootstrap admin steps aside: ann and ben are the only admins.
      assertEquals(
        (await server.auth.changeUser(ADMIN.username, (u) => ({ ...u, role: "viewer" }))).ok,
        true,
      );
      for (let round = 0; round < ROUNDS; round++) {
        const answers = await Promise.all([0, 1].map((i) =>
          server.json(`/api/v1/users/${names[1 - i]}`, {
            method: "PATCH",
            as: null,
            headers: { cookie: cookies[i]!, origin: server.url },
            body: { role: "viewer" },
          })
        ));
        const statuses = answers.map((a) => a.status);
        const admins = (await server.auth.listUsers()).filter((u) => u.role === "admin" && !u.disabled);
        assertEquals(admins.length, 1, `round ${round}: answers ${statuses}`);
        assertEquals(statuses.filter((s) => s === 200).length, 1, `round ${round}: answers ${statuses}`);
        // The loser is told: 409 (the last admin) or 403 (demoted before its request was let in).
        assert(statuses.every((s) => [200, 403, 409].includes(s)), `round ${round}: answers ${statuses}`);
        // Both admins again for the next round.
        const demoted = names.find((n) => !admins.some((a) => a.username === n))!;
        assertEquals((await server.auth.changeUser(demoted, (u) => ({ ...u, role: "admin" }))).ok, true);
      }
    });
  });

  Deno.test(`${kind}: a user disabled while changing their password stays disabled`, async () => {
    await withApiServer(kind, async (server) => {
      for (let round = 0; round < ROUNDS; round++) {
        const username = `dora${round}`;
        const password = `${username}-password-1`;
        await server.json("/api/v1/users", {
          method: "POST",
          body: { username, role: "operator", password },
        });
        const cookie = await server.login(username, password);
        const [disabled, changed] = await Promise.all([
          server.json(`/api/v1/users/${username}`, { method: "PATCH", body: { disabled: true } }),
          server.json("/api/v1/auth/password", {
            method: "PUT",
            as: null,
            headers: { cookie, origin: server.url },
            body: { currentPassword: password, newPassword: `${password}-new` },
          }),
        ]);
        assertEquals(disabled.status, 200);
        assert([204, 401].includes(changed.status), `password change answered ${changed.status}`);
        assertEquals((await server.auth.getUser(username))?.disabled, true, `round ${round}`);
      }
    });
  });

  Deno.test(`${kind}: id tags created, changed and deleted at once keep every answer true`, async () => {
    await withApiServer(kind, async (server) => {
      for (let round = 0; round < ROUNDS; round++) {
        const idTag = `RACE-${round}`;
        const creations = await Promise.all(
          ["Accepted", "Blocked"].map((status) =>
            server.json("/api/v1/id-tags", { method: "POST", body: { idTag, status } })
          ),
        );
        assertEquals(creations.map((c) => c.status).sort(), [201, 409], `round ${round}`);
        const created = creations.find((c) => c.status === 201)!.body;
        const stored = await server.json(`/api/v1/id-tags/${idTag}`, { as: "viewer" });
        assertEquals(stored.body.status, created.status, "the tag is the one answered 201");

        // A block and an expiry change at once: both stay.
        const expiryDate = "2030-01-01T00:00:00.000Z";
        await Promise.all([
          server.json(`/api/v1/id-tags/${idTag}`, { method: "PATCH", body: { status: "Blocked" } }),
          server.json(`/api/v1/id-tags/${idTag}`, { method: "PATCH", body: { expiryDate } }),
        ]);
        const both = await server.json(`/api/v1/id-tags/${idTag}`, { as: "viewer" });
        assertEquals([both.body.status, both.body.expiryDate], ["Blocked", expiryDate], `round ${round}`);

        // A change racing the deletion never brings the tag back.
        const [patched, deleted] = await Promise.all([
          server.json(`/api/v1/id-tags/${idTag.toLowerCase()}`, {
            method: "PATCH",
            body: { status: "Accepted" },
          }),
          server.json(`/api/v1/id-tags/${idTag}`, { method: "DELETE" }),
        ]);
        assertEquals(deleted.status, 204);
        assert([200, 404].includes(patched.status), `PATCH answered ${patched.status}`);
        const after = await server.json(`/api/v1/id-tags/${idTag}`, { as: "viewer" });
        assertEquals(
          after.status,
          404,
          `round ${round}: the deleted tag is back: ${JSON.stringify(after.body)}`,
        );
      }
    });
  });

  Deno.test(`${kind}: station security changed twice at once never stores profile 1 without a key`, async () => {
    await withApiServer(kind, async (server) => {
      for (let round = 0; round < ROUNDS; round++) {
        const id = `CP-SEC-${round}`;
        const path = `/api/v1/station-security/${id}`;
        const reset = await server.json(path, {
          method: "PATCH",
          body: { securityProfile: 0, authorizationKey: "0123456789abcdef0123", allowedIps: [] },
        });
        assertEquals(reset.status, 200, JSON.stringify(reset.body));
        const [profile, key] = await Promise.all([
          server.json(path, { method: "PATCH", body: { securityProfile: 1 } }),
          server.json(path, { method: "PATCH", body: { authorizationKey: null } }),
        ]);
        const stored = await server.json(path);
        const answers = `answers ${profile.status}/${key.status}`;
        assert(
          !(stored.body.effectiveProfile === 1 && !stored.body.hasAuthorizationKey),
          `round ${round}: profile 1 without a key (${answers})`,
        );
        assertEquals([profile.status, key.status].filter((s) => s === 200).length, 1, answers);
        // Different fields at once: both stay.
        await Promise.all([
          server.json(path, { method: "PATCH", body: { allowedIps: ["127.0.0.1"] } }),
          server.json(path, { method: "PATCH", body: { securityProfile: null } }),
        ]);
        const both = await server.json(path);
        assertEquals(
          [both.body.securityProfile, both.body.allowedIps],
          [null, ["127.0.0.1"]],
          `round ${round}`,
        );
      }
    });
  });

  Deno.test(`${kind}: two admins saving different retention settings at once both keep theirs`, async () => {
    await withApiServer(kind, async (server) => {
      for (let round = 1; round <= ROUNDS; round++) {
        await Promise.all([
          server.json("/api/v1/fleet-settings", {
            method: "PUT",
            body: { retention: { meterValuesDays: round } },
          }),
          server.json("/api/v1/fleet-settings", {
            method: "PUT",
            body: { retention: { statusHistoryDays: round + 100 } },
          }),
        ]);
        const read = await server.json("/api/v1/fleet-settings");
        assertEquals(
          [read.body.retention.meterValuesDays, read.body.retention.statusHistoryDays],
          [round, round + 100],
          `round ${round}`,
        );
      }
    });
  });
}

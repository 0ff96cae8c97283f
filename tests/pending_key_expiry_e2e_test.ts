/**
 * Pending AuthorizationKeys expire (PENDING_AUTHORIZATION_KEY_TTL_H), driven as an operator and a station do
 * it, on KV and on PostgreSQL: keys sent to a station that answers RebootRequired are pending; a handshake
 * with one within the TTL passes (and makes it the key), past the TTL it is refused; the record drops the
 * expired key at its next change, with a security event. The server's clock is moved, not waited for.
 */
import { assert, assertEquals } from "@std/assert";
import { type StoreKind, withApiServer } from "./helpers/api_on_store.ts";
import type { ApiTestServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres } from "./helpers/postgres.ts";
import { attempt, basic, connectSecureStation } from "./helpers/secure_station.ts";
import { closeStation } from "./helpers/station.ts";

const KEY = "s3cret-Authorization-Key-0001";
const MINUTE = 60_000;
const ignorePostgres = await ignoreWithoutPostgres("pending key expiry on PostgreSQL");

/** Whether a handshake with `password` opens (closed again at once): 101, else the refusal's status. */
async function opens(url: string, id: string, password: string): Promise<number> {
  const a = await attempt(url, { headers: basic(id, password) });
  if (!a.open) return a.status;
  await a.close();
  return 101;
}

async function reasons(server: ApiTestServer, id: string): Promise<string[]> {
  const page = await server.json(`/api/v1/security-events?chargePointId=${id}&limit=100`, { as: "operator" });
  return page.body.items.map((e: { reason: string }) => e.reason);
}

for (const kind of ["kv", "postgres"] as StoreKind[]) {
  Deno.test({
    name: `a pending key lets the station in for PENDING_AUTHORIZATION_KEY_TTL_H, then never again (${kind})`,
    ignore: kind === "postgres" && ignorePostgres,
    fn: async () => {
      let offsetMs = 0;
      const now = () => new Date(Date.now() + offsetMs);
      await withApiServer(
        kind,
        async (server) => {
          const id = "CP-EXPIRY";
          const url = `${server.wsUrl}/${id}`;
          await server.json(`/api/v1/station-security/${id}`, {
            method: "PATCH",
            body: { securityProfile: 1, authorizationKey: KEY },
          });
          const station = await connectSecureStation(server.wsUrl, id, { password: KEY });
          station.handle("ChangeConfiguration", () => ({ status: "RebootRequired" }));
          const keys: string[] = [];
          try {
            for (let i = 0; i < 2; i++) {
              const res = await server.json(`/api/v1/station-security/${id}/authorization-key`, {
                method: "POST",
              });
              assertEquals([res.status, res.body.pending], [200, true]);
              keys.push(res.body.authorizationKey);
            }
          } finally {
            await closeStation(station);
          }
          const [first, second] = keys as [string, string];
          const view = (await server.json(`/api/v1/station-security/${id}`)).body;
          assertEquals(view.pendingAuthorizationKeys.length, 2);
          for (const p of view.pendingAuthorizationKeys) {
            assertEquals(Date.parse(p.expiresAt) - Date.parse(p.since), 60 * MINUTE);
          }

          // Half an hour on, the station comes back from its reboot with the first key: it is the key now.
          offsetMs = 30 * MINUTE;
          assertEquals(await opens(url, id, first), 101);
          assertEquals(
            (await server.json(`/api/v1/station-security/${id}`)).body.pendingAuthorizationKeys.length,
            1,
          );

          // Past the TTL the second one, never used, lets nobody in; the first stays the key.
          offsetMs = 61 * MINUTE;
          assertEquals(await opens(url, id, second), 401);
          assertEquals(await opens(url, id, first), 101);
          assertEquals(
            (await server.json(`/api/v1/station-security/${id}`)).body.pendingAuthorizationKeys,
            [],
          );
          const refused = await reasons(server, id);
          assert(
            refused.some((r) =>
              r.startsWith("AuthorizationKey sent to the station but not confirmed within")
            ),
            JSON.stringify(refused),
          );
          assertEquals(refused.filter((r) => r.startsWith("Pending AuthorizationKey expired unused")), []);

          // The record's next change drops it, and says so.
          const patched = await server.json(`/api/v1/station-security/${id}`, {
            method: "PATCH",
            body: { allowedIps: ["127.0.0.1", "::1"] },
          });
          assertEquals(patched.status, 200);
          const dropped = (await reasons(server, id)).filter((r) =>
            r.startsWith("Pending AuthorizationKey expired")
          );
          assertEquals(dropped.length, 1, JSON.stringify(dropped));
          assert(dropped[0]!.endsWith("not used within PENDING_AUTHORIZATION_KEY_TTL_H (1 h)"), dropped[0]);
          // Gone from the record, not only out of date: with the clock back where it was live, it is refused.
          offsetMs = 30 * MINUTE;
          assertEquals(await opens(url, id, second), 401);
          assertEquals(await opens(url, id, first), 101);
        },
        { PENDING_AUTHORIZATION_KEY_TTL_H: "1" },
        { now },
      );
    },
  });
}

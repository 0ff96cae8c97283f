/**
 * Server warnings in a cluster: two processes on one PostgreSQL database. Node B trusts a proxy while any
 * station may connect unauthenticated (its own settings: a warning about B); an admin signed in on node A
 * sees it, named as B's, on the API and above A's overview, and not any more once B has left. A's own list
 * of warnings stays A's. (Until now each node told only its own: a full disk or a failing loop on the node
 * an admin's browser did not reach went unseen.)
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { adminApi, adminCookie } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";

const ignore = await ignoreWithoutPostgres("cluster server warnings test");

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test({
  name: "an admin on node A sees node B's server warning, named as B's, until B leaves",
  ignore,
  fn: async () => {
    const db = await migratedDatabase("nodewarn46");
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      PRESENCE_LEASE_S: "2",
      SECURITY_PROFILE: "0",
      REGISTRATION_POLICY: "Accepted",
    };
    // One after the other: the first creates the admin.
    const a = await spawnServer(env);
    const b = await spawnServer({ ...env, TRUSTED_PROXIES: "127.0.0.1" });
    try {
      const viaA = await adminApi(a.url);
      const viaB = await adminApi(b.url);
      const own = (await viaB("/server-warnings")).body.items as Json[];
      assertEquals(own.map((w) => w.kind), ["stations_unauthenticated"], JSON.stringify(own));
      const bId = own[0].node as string;
      assert(bId, "a node's own warning is named as its own in a cluster");

      let seen: Json[] = [];
      await eventually(
        async () => {
          const res = await viaA("/server-warnings");
          assertEquals(res.status, 200, JSON.stringify(res.body));
          seen = res.body.items;
          return seen.length > 0;
        },
        10_000,
        "node B's warning on node A",
      );
      assertEquals(seen.map((w) => [w.kind, w.node]), [["stations_unauthenticated", bId]]);
      assert((seen[0].message as string).startsWith(`On node ${bId}: `), seen[0].message);
      assertStringIncludes(seen[0].message, own[0].message);

      // Above A's overview, for its admin.
      const page = await fetch(`${a.url}/`, { headers: { cookie: await adminCookie(a.url) } });
      const html = await page.text();
      assertEquals(page.status, 200);
      assertStringIncludes(html, 'data-warning="stations_unauthenticated"');
      assertStringIncludes(html, `On node ${bId}: `);

      // B leaves (a clean stop): its warning goes with its lease.
      await b.kill("SIGTERM");
      await eventually(
        async () => (await viaA("/server-warnings")).body.items.length === 0,
        10_000,
        "node B's warning gone from node A",
      );
    } catch (e) {
      console.log(JSON.stringify(a.logs.filter((l) => l.level !== "info").slice(-5)));
      console.log(JSON.stringify(b.logs.filter((l) => l.level !== "info").slice(-5)));
      throw e;
    } finally {
      await b.kill("SIGTERM");
      await a.kill("SIGTERM");
      await db.drop();
    }
  },
});

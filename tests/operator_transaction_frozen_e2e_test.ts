/**
 * A server frozen (SIGSTOP: a paused VM, a swap stall) inside an operator's transaction, after a statement that
 * locked a row and before its COMMIT: the row stayed locked for as long as the server was frozen, and every
 * other writer of it (another node's operator, a station's commit) waited or failed at its lock timeout. A
 * transaction begun on a store's pool now sits idle in it at most `IDLE_IN_TRANSACTION_MS`, as a group commit
 * does: another connection gets the row within that bound while the server stays frozen. Thawed, the server
 * answers the frozen request 503 (its transaction is gone), not 500, and serves the next one. The test holds
 * the row itself only to catch the server mid-transaction.
 */
import { assert, assertEquals } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { IDLE_IN_TRANSACTION_MS } from "../postgres_transaction_bounds.ts";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";

const TAG = "TAG-FROZEN";

/** Polls `check` every 50 ms until it holds, for at most `ms`. */
async function waitFor(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > until) throw new Error(`Gave up waiting for ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name: "an operator's transaction frozen with a row lock lets the row go within its idle bound",
  ignore: await ignoreWithoutPostgres("frozen operator transaction test"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("robust46_frozen_operator");
    const server = await spawnServer({
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    const observer = openPostgresPool(db.url, { max: 2, onnotice: () => {} });
    let frozen = false;
    try {
      const api = await adminApi(server.url);
      const created = await api("/id-tags", { method: "POST", body: { idTag: TAG, status: "Accepted" } });
      assert(created.status < 300, JSON.stringify(created));
      // Catch the server inside its transaction: the tag's row is held while the PATCH's write waits for it.
      const holder = await observer.reserve();
      await holder`begin`;
      await holder`select 1 from id_tags where id_tag = ${TAG} for update`;
      const patched = api(`/id-tags/${TAG}`, { method: "PATCH", body: { status: "Blocked" } });
      await waitFor("the server's write to wait for the row", async () =>
        (await observer`
          select 1 from pg_stat_activity
          where datname = current_database() and application_name = 'ocpp-csms' and wait_event_type = 'Lock'
        `).length > 0);
      server.child.kill("SIGSTOP");
      frozen = true;
      await holder`rollback`;
      holder.release();
      // The server's write ran and locked the row; its COMMIT waits for the server.
      await waitFor("the server's transaction to sit idle holding the row", async () =>
        (await observer`
          select 1 from pg_stat_activity
          where datname = current_database() and application_name = 'ocpp-csms'
            and state = 'idle in transaction' and backend_xid is not null
        `).length > 0);
      const frozenAt = performance.now();
      // Another writer of the row: without the bound it waits for the frozen server (here: its lock timeout).
      const status = await observer.begin(async (tx) => {
        await tx`set local lock_timeout = '30s'`;
        const [row] = await tx<{ status: string }[]>`
          select status from id_tags where id_tag = ${TAG} for update
        `;
        return row?.status;
      });
      const waited = performance.now() - frozenAt;
      assertEquals(status, "Accepted", "the frozen transaction's write was rolled back");
      assert(waited < IDLE_IN_TRANSACTION_MS + 5_000, `the row came free after ${Math.round(waited)} ms`);
      server.child.kill("SIGCONT");
      frozen = false;
      // Thawed: the frozen request fails cleanly (its transaction ended with its session), the next one works.
      const answer = await patched;
      assertEquals(answer.status, 503, JSON.stringify(answer));
      assertEquals(answer.body?.error, "store_unavailable", JSON.stringify(answer));
      const again = await api(`/id-tags/${TAG}`, { method: "PATCH", body: { status: "Blocked" } });
      assertEquals(again.status, 200, JSON.stringify(again));
      assertEquals((await api(`/id-tags/${TAG}`)).body?.status, "Blocked");
    } finally {
      if (frozen) server.child.kill("SIGCONT");
      await observer.end({ timeout: 1 });
      await server.kill("SIGTERM");
      await db.drop();
    }
  },
});

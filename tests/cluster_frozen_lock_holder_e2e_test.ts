/**
 * Two nodes on one PostgreSQL database. Node A freezes (SIGSTOP: a paused VM, a swap stall) in the middle of
 * a group commit: its statements ran, the station's row is locked by them, and its COMMIT never comes. The
 * station gives up on A and goes to node B, where every write of its row waits for A's lock: at the lock
 * timeout the write fails (InternalError), and it failed again and again for as long as A stayed frozen, so the
 * station's news (its boot, its status) reached nobody. PostgreSQL now ends a group commit's session idle in
 * its transaction past `IDLE_IN_TRANSACTION_MS`: the station is answered on B within seconds while A is still
 * frozen. The test holds the row itself only to catch A mid-commit.
 */
import { assert, assertEquals } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { IDLE_IN_TRANSACTION_MS } from "../store/postgres/commit.ts";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { bootedRawStation, openRaw, type RawSocket } from "./helpers/station.ts";

const CP = "FRZ-LOCK";

/** Polls `check` every 50 ms until it holds, for at most `ms`. */
async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > until) throw new Error(`Gave up waiting for ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends `action` until it is answered with a CALLRESULT; gives its payload and the CALLERRORs before it. */
async function untilAnswered(
  station: RawSocket,
  action: string,
  payload: unknown,
  untilMs: number,
): Promise<{ payload: Record<string, unknown>; errors: unknown[][] }> {
  const errors: unknown[][] = [];
  for (let n = 1; performance.now() < untilMs; n++) {
    const id = `${action}-${n}`;
    station.send(JSON.stringify([2, id, action, payload]));
    const reply = await station.next(15_000) as unknown[];
    assertEquals(reply[1], id, JSON.stringify(reply));
    if (reply[0] === 3) return { payload: reply[2] as Record<string, unknown>, errors };
    errors.push(reply);
  }
  throw new Error(`${action} not answered in time: ${JSON.stringify(errors)}`);
}

Deno.test({
  name:
    "a station that moved from a node frozen mid-commit is answered on its new node while that node stays frozen",
  ignore: await ignoreWithoutPostgres("cluster frozen lock holder test"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("robust47_frozen_lock");
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      PRESENCE_LEASE_S: "2",
    };
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    const observer = openPostgresPool(db.url, { max: 2, onnotice: () => {} });
    const sockets: RawSocket[] = [];
    try {
      const old = await bootedRawStation(`${a.wsUrl}/${CP}`);
      sockets.push(old);
      // Catch A inside its group commit: the station's row is held while A writes it, and A freezes then.
      const holder = await observer.reserve();
      await holder`begin`;
      await holder`select 1 from charge_points where id = ${CP} for update`;
      old.send(JSON.stringify([2, "faulted", "StatusNotification", {
        connectorId: 1,
        errorCode: "GroundFailure",
        status: "Faulted",
      }]));
      await waitFor("node A's commit to wait for the row", async () =>
        (await observer`
          select 1 from pg_stat_activity
          where datname = current_database() and application_name = 'ocpp-csms' and wait_event_type = 'Lock'
        `).length > 0);
      a.child.kill("SIGSTOP");
      await holder`rollback`;
      holder.release();
      // A's statements ran and locked the row; its COMMIT waits for A.
      await waitFor("node A's transaction to sit idle holding the row", async () =>
        (await observer`
          select 1 from pg_stat_activity
          where datname = current_database() and application_name = 'ocpp-csms'
            and state = 'idle in transaction' and backend_xid is not null
        `).length > 0);
      const frozenAt = performance.now();
      // A's lease (2 s) runs out; the station gives up on A and goes to B.
      await new Promise((r) => setTimeout(r, 3_000));
      const station = await openRaw(`${b.wsUrl}/${CP}`);
      sockets.push(station);
      // A stays frozen throughout: B answers once PostgreSQL ended A's idle transaction.
      const deadline = frozenAt + IDLE_IN_TRANSACTION_MS + 8_000;
      const boot = await untilAnswered(
        station,
        "BootNotification",
        { chargePointVendor: "Acme", chargePointModel: "X" },
        deadline,
      );
      assertEquals(boot.payload.status, "Accepted");
      await untilAnswered(
        station,
        "StatusNotification",
        { connectorId: 1, errorCode: "NoError", status: "Available" },
        deadline,
      );
      assert(performance.now() < deadline);
      const apiB = await adminApi(b.url);
      const view = await apiB(`/charge-points/${CP}`);
      assertEquals(view.body.connectors.map((c: { status: string }) => c.status), ["Available"]);
    } finally {
      a.child.kill("SIGCONT");
      for (const s of sockets) await s.close().catch(() => {});
      await observer.end({ timeout: 1 });
      await b.kill("SIGTERM");
      await a.kill("SIGTERM");
      await db.drop();
    }
  },
});

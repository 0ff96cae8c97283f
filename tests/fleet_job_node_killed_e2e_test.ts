/**
 * A server process killed -9 in the middle of jobs, on PostgreSQL, as an operator meets it: tasks whose
 * command had left for its station (the station counts it) end `timeout` once the dead process's claim runs
 * out, never sent again; tasks it had claimed whose command never left (queued behind another command of the
 * station, whose answer is slow) are sent by the next server process, once. Each station counts what it
 * receives over both of its connections.
 */
import { assert, assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { type ServerProcess, spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";

const ignore = await ignoreWithoutPostgres("job runner killed e2e");

// deno-lint-ignore no-explicit-any
type Json = any;

const SLOW = ["CP-1", "CP-2", "CP-3"];
const ALL = [...SLOW, "CP-4", "CP-5", "CP-6"];

/** What each station received, by action, over all its connections. */
const received = new Map<string, Record<string, number>>();

function count(id: string, action: string): void {
  const counts = received.get(id) ?? {};
  counts[action] = (counts[action] ?? 0) + 1;
  received.set(id, counts);
}

/** A station that counts each command; `answers`: whether it answers them (else never: a slow station). */
async function station(wsUrl: string, id: string, answers: boolean): Promise<Station> {
  const s = await connectStation(wsUrl, id);
  s.handle("GetConfiguration", () => {
    count(id, "GetConfiguration");
    return answers ? { configurationKey: [] } : new Promise(() => {});
  });
  s.handle("ChangeConfiguration", () => {
    count(id, "ChangeConfiguration");
    return answers ? { status: "Accepted" } : new Promise(() => {});
  });
  return s;
}

Deno.test({
  name:
    "a job runner killed -9: the commands it never sent are sent by the next server once, those it sent end timeout",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("jobsent_runner_killed");
    const env = {
      DATABASE_URL: db.url,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      PRESENCE_LEASE_S: "2",
      JOB_CLAIM_S: "10",
      // The slow stations' CALLs stay in flight until the kill.
      CALL_TIMEOUT_MS: "60000",
      FLEET_POLL_MS: "200",
    };
    const servers: ServerProcess[] = [];
    const stations: Station[] = [];
    try {
      const a = await spawnServer(env);
      servers.push(a);
      for (const id of ALL) stations.push(await station(a.wsUrl, id, false));
      const viaA = await adminApi(a.url);
      const job = async (api: typeof viaA, id: string) => (await api(`/jobs/${id}`)).body;

      // CP-1..3 are busy with a first job's command they never answer...
      const busy = await viaA("/jobs", {
        method: "POST",
        body: { action: "GetConfiguration", payload: {}, chargePointIds: SLOW, concurrency: 3 },
      });
      assertEquals(busy.status, 201, JSON.stringify(busy.body));
      await eventually(
        () => SLOW.every((id) => received.get(id)?.GetConfiguration === 1),
        10_000,
        "CP-1..3 got the first job's command",
      );
      // ...so the second job's command to them waits in their queues (claimed, not sent), while CP-4..6 get it.
      const change = await viaA("/jobs", {
        method: "POST",
        body: {
          action: "ChangeConfiguration",
          payload: { key: "HeartbeatInterval", value: "300" },
          chargePointIds: ALL,
          concurrency: 6,
        },
      });
      assertEquals(change.status, 201, JSON.stringify(change.body));
      await eventually(
        async () => {
          const tasks: Json[] = (await job(viaA, change.body.id)).tasks.items;
          return tasks.every((t) => t.state === "running") &&
            ["CP-4", "CP-5", "CP-6"].every((id) => received.get(id)?.ChangeConfiguration === 1);
        },
        10_000,
        "all six tasks claimed, CP-4..6 sent",
      );
      const marks = Object.fromEntries(
        ((await job(viaA, change.body.id)).tasks.items as Json[]).map((
          t,
        ) => [t.chargePointId, t.sentAt !== null]),
      );
      assertEquals(marks, {
        "CP-1": false,
        "CP-2": false,
        "CP-3": false,
        "CP-4": true,
        "CP-5": true,
        "CP-6": true,
      }, "marked as the CALL left, and only then");

      await a.kill("SIGKILL");
      for (const s of stations.splice(0)) await closeStation(s).catch(() => {});

      // The next server process; the stations come back to it, now answering at once.
      const b = await spawnServer(env);
      servers.push(b);
      for (const id of ALL) stations.push(await station(b.wsUrl, id, true));
      const viaB = await adminApi(b.url);
      await eventually(
        async () => (await job(viaB, change.body.id)).state === "finished",
        30_000,
        "the second job finished on the next server",
      );
      await eventually(
        async () => (await job(viaB, busy.body.id)).state === "finished",
        10_000,
        "the first job finished",
      );

      const outcomes = async (id: string) =>
        Object.fromEntries(
          ((await job(viaB, id)).tasks.items as Json[]).map((t) => [t.chargePointId, t.outcome]),
        );
      assertEquals(await outcomes(change.body.id), {
        "CP-1": "accepted",
        "CP-2": "accepted",
        "CP-3": "accepted",
        "CP-4": "timeout",
        "CP-5": "timeout",
        "CP-6": "timeout",
      });
      assertEquals(await outcomes(busy.body.id), { "CP-1": "timeout", "CP-2": "timeout", "CP-3": "timeout" });
      // Whatever is reported sent was marked before it left.
      for (const t of (await job(viaB, change.body.id)).tasks.items as Json[]) {
        assert(t.sentAt !== null, `${t.chargePointId} ended ${t.outcome} unmarked`);
      }
      assertEquals(Object.fromEntries(received), {
        "CP-1": { GetConfiguration: 1, ChangeConfiguration: 1 },
        "CP-2": { GetConfiguration: 1, ChangeConfiguration: 1 },
        "CP-3": { GetConfiguration: 1, ChangeConfiguration: 1 },
        "CP-4": { ChangeConfiguration: 1 },
        "CP-5": { ChangeConfiguration: 1 },
        "CP-6": { ChangeConfiguration: 1 },
      }, "each station got each command once");
    } finally {
      for (const s of stations) await closeStation(s).catch(() => {});
      for (const server of servers.reverse()) await server.kill("SIGKILL");
      await db.drop();
    }
  },
});

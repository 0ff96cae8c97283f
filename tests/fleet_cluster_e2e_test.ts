/**
 * Fleet workers as several processes on one PostgreSQL database would run them (each "process" here has its
 * own pool, runner and dispatcher): a job's commands go out once each and never beyond its concurrency
 * together, a process that dies with tasks claimed leaves those it marked sent as timeouts (not sent twice)
 * and the others to be sent, the job is announced finished once, and webhook deliveries reach the receiver
 * once each.
 */
import { assert, assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { EventBus } from "../actors/events.ts";
import type { CommandRequest } from "../fleet/command_sender.ts";
import type { FleetEvent } from "../fleet/events.ts";
import { timeSortableIds } from "../fleet/ids.ts";
import { JobRunner } from "../fleet/job_runner.ts";
import { WebhookDispatcher } from "../fleet/webhook_dispatcher.ts";
import { postWebhook } from "../fleet/webhook_transport.ts";
import { webhookUrlPolicy } from "../fleet/webhook_url_policy.ts";
import type { FleetStore, JobRecord } from "../store/fleet.ts";
import { openPostgresFleetStore } from "../store/postgres/fleet.ts";
import { openPostgresStore } from "../store/postgres/mod.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";

const ignore = await ignoreWithoutPostgres("fleet cluster tests");

async function withProcesses(n: number, fn: (stores: FleetStore[]) => Promise<void>) {
  const db = await migratedDatabase("csms_fleet_cluster");
  const stores: FleetStore[] = [];
  try {
    // The first open migrates (here finds the template's schema), as the first process of a cluster does.
    const main = await openPostgresStore(db.url);
    await main.close();
    for (let i = 0; i < n; i++) stores.push(await openPostgresFleetStore(db.url, { migrate: false }));
    await fn(stores);
  } finally {
    for (const s of stores) await s.close();
    await db.drop();
  }
}

function job(id: string, total: number, concurrency: number): JobRecord {
  return {
    id,
    action: "Reset",
    payload: { type: "Soft" },
    force: false,
    target: { kind: "chargePointIds" },
    concurrency,
    state: "running",
    total,
    campaign: null,
    createdBy: "user:root",
    createdAt: new Date().toISOString(),
    finishedAt: null,
  };
}

Deno.test({
  name:
    "three processes run one 60-station job: each command once, the concurrency held together, finished once",
  ignore,
  fn: () =>
    withProcesses(3, async (stores) => {
      const ids = Array.from({ length: 60 }, (_, i) => `CP-${String(i).padStart(2, "0")}`);
      await stores[0]!.jobs.createJob(job("JOB-C", ids.length, 6), ids);
      const sent: { cp: string; by: string }[] = [];
      let inFlight = 0;
      let most = 0;
      const finished: string[] = [];
      const runners = stores.map((store, i) =>
        new JobRunner({
          jobs: store.jobs,
          events: new EventBus<FleetEvent>(),
          now: () => new Date(),
          holder: `process-${i}`,
          logger: createMemoryLogger(),
          leaseMs: 10_000,
          onFinished: (j) => finished.push(`${j.id} by process-${i}`),
          send: async (request: CommandRequest) => {
            sent.push({ cp: request.chargePointId, by: `process-${i}` });
            inFlight++;
            most = Math.max(most, inFlight);
            await new Promise((r) => setTimeout(r, 15 + Math.random() * 15));
            inFlight--;
            return { outcome: "accepted", response: { status: "Accepted" } };
          },
        })
      );
      await eventually(
        async () => {
          await Promise.all(runners.map((r) => r.tick()));
          return (await stores[0]!.jobs.getJob("JOB-C"))?.state === "finished";
        },
        20_000,
        "the job finished",
      );
      await Promise.all(runners.map((r) => r.drain()));
      assertEquals(sent.map((s) => s.cp).sort(), ids, "a station got no command, or two");
      assert(most <= 6, `${most} commands in flight at once across the processes`);
      assert(new Set(sent.map((s) => s.by)).size >= 2, "one process did all the work");
      assertEquals(finished.length, 1, `announced ${finished.join(", ")}`);
      assertEquals((await stores[1]!.jobs.countTasks("JOB-C")).outcomes, { accepted: 60 });
    }),
});

Deno.test({
  name:
    "a process that dies with tasks claimed: the one whose CALL it marked ends timeout, never sent again; the one it never marked is sent by another",
  ignore,
  fn: () =>
    withProcesses(2, async ([dead, alive]) => {
      await dead!.jobs.createJob(job("JOB-D", 4, 2), ["CP-A", "CP-B", "CP-C", "CP-D"]);
      const soon = new Date(Date.now() + 300).toISOString();
      const claimed = await dead!.jobs.claimTasks("JOB-D", "dead-process", new Date().toISOString(), soon, 2);
      assertEquals(claimed.map((t) => t.chargePointId), ["CP-A", "CP-B"]);
      // CP-A's CALL left (marked by the node holding it); CP-B's was still queued when the process died.
      assert(await dead!.jobs.markTaskSent("JOB-D", "CP-A", "dead-process", new Date().toISOString()));
      const sent: string[] = [];
      const runner = new JobRunner({
        jobs: alive!.jobs,
        events: new EventBus<FleetEvent>(),
        now: () => new Date(),
        holder: "alive",
        logger: createMemoryLogger(),
        leaseMs: 10_000,
        send: async (request) => {
          sent.push(request.chargePointId);
          const { jobId, holder } = request.mark!;
          assert(
            await alive!.jobs.markTaskSent(jobId, request.chargePointId, holder, new Date().toISOString()),
          );
          return { outcome: "accepted", response: { status: "Accepted" } };
        },
      });
      await eventually(
        async () => {
          await runner.tick();
          await runner.drain();
          return (await alive!.jobs.getJob("JOB-D"))?.state === "finished";
        },
        5000,
        "the job finished",
      );
      const tasks = await alive!.jobs.listTasks("JOB-D", { limit: 10 });
      const outcomes = Object.fromEntries(tasks.map((t) => [t.chargePointId, t.outcome]));
      assertEquals(outcomes, {
        "CP-A": "timeout",
        "CP-B": "accepted",
        "CP-C": "accepted",
        "CP-D": "accepted",
      });
      assert(JSON.stringify(tasks[0]!.response).includes("dead-process"));
      assertEquals(sent.sort(), ["CP-B", "CP-C", "CP-D"]);
    }),
});

Deno.test({
  name: "two processes' webhook dispatchers post each delivery once",
  ignore,
  fn: () =>
    withProcesses(2, async (stores) => {
      const received: string[] = [];
      const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
        received.push(request.headers.get("x-csms-delivery") ?? "");
        return new Response(null, { status: 204 });
      });
      try {
        const now = () => new Date();
        const newId = timeSortableIds();
        const dispatchers = stores.map((store, i) =>
          new WebhookDispatcher({
            webhooks: store.webhooks,
            policy: webhookUrlPolicy({ allowLoopback: true, allowedNetworks: "" }),
            resolve: () => Promise.resolve([]),
            post: postWebhook,
            now,
            newId,
            holder: `process-${i}`,
            logger: createMemoryLogger(),
            settings: {
              timeoutMs: 2000,
              maxAttempts: 3,
              backoffBaseMs: 100,
              backoffMaxMs: 1000,
              concurrency: 4,
              perSubscription: 4,
              subscriptionCacheMs: 0,
            },
          })
        );
        await stores[0]!.webhooks.putSubscription({
          id: "sub",
          url: `http://127.0.0.1:${receiver.addr.port}/hook`,
          events: ["station.offline"],
          secret: "s3cret",
          enabled: true,
          description: "",
          createdBy: "user:root",
          createdAt: now().toISOString(),
          updatedAt: now().toISOString(),
        });
        for (let i = 0; i < 30; i++) {
          await dispatchers[i % 2]!.emit({
            id: `station.offline:CP-${i}`,
            type: "station.offline",
            at: now().toISOString(),
            data: { chargePointId: `CP-${i}` },
          });
        }
        await eventually(
          async () => {
            await Promise.all(dispatchers.map((d) => d.tick()));
            const pending = await stores[0]!.webhooks.listDeliveries({ state: "pending", limit: 1 });
            return pending.length === 0;
          },
          10_000,
          "every delivery delivered",
        );
        assertEquals(received.length, 30);
        assertEquals(new Set(received).size, 30, "a delivery was posted twice");
      } finally {
        await receiver.shutdown();
      }
    }),
});

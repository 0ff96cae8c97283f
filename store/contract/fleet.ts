/**
 * The FleetStore contract: one suite, registered as `Deno.test` cases (one per concern, with steps), that the
 * KV and PostgreSQL FleetStores must both pass (`store/kv/fleet_test.ts`, `store/postgres/fleet_test.ts`).
 * The claims are raced on purpose: several workers claim at once and must never share a task or a delivery.
 *
 * @example
 * ```ts ignore
 * fleetContract("kv", async () => {
 *   const kv = await Deno.openKv(":memory:");
 *   return { fleet: kvFleetStore(kv), store: new KvStore(kv), cleanup: async () => {} };
 * });
 * ```
 */
import { assert, assertEquals, assertExists, assertNotEquals, assertRejects } from "@std/assert";
import type {
  DataTransferRule,
  FleetStore,
  JobRecord,
  ReservationRecord,
  WebhookDelivery,
  WebhookSubscription,
} from "../fleet.ts";
import { DEFAULT_FLEET_SETTINGS } from "../fleet.ts";
import { emptyRecord } from "../../model/charge_point.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import type { Store } from "../mod.ts";
import { meterRow, startInput, stopInput } from "./harness.ts";

export interface FleetContractHandle {
  /** A fresh, empty FleetStore; the suite closes it. */
  fleet: FleetStore;
  /** The Store on the same backend (retention deletes its rows); the suite closes it after the fleet. */
  store: Store;
  cleanup: () => Promise<void>;
}

const T0 = Date.parse("2024-05-01T10:00:00.000Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function job(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    action: "Reset",
    payload: { type: "Soft" },
    force: false,
    target: { kind: "chargePointIds" },
    concurrency: 3,
    state: "running",
    total: 0,
    campaign: null,
    createdBy: "user:root",
    createdAt: at(0),
    finishedAt: null,
    ...overrides,
  };
}

function delivery(id: string, overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id,
    subscriptionId: "sub-1",
    eventType: "station.offline",
    payload: { type: "station.offline", chargePointId: "CP-1" },
    state: "pending",
    attempts: 0,
    nextAttemptAt: at(0),
    claimedBy: null,
    createdAt: at(0),
    finishedAt: null,
    log: [],
    ...overrides,
  };
}

function reservation(id: number, overrides: Partial<ReservationRecord> = {}): ReservationRecord {
  return {
    reservationId: id,
    chargePointId: "CP-1",
    connectorId: 1,
    idTag: "TAG-1",
    parentIdTag: null,
    expiryDate: at(3600),
    state: "active",
    createdBy: "user:root",
    createdAt: at(0),
    endedAt: null,
    endReason: null,
    transactionId: null,
    unconfirmed: false,
    ...overrides,
  };
}

const ids = (n: number, prefix = "CP-") =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`);

export function fleetContract(
  name: string,
  open: () => Promise<FleetContractHandle>,
  options: { ignore?: boolean } = {},
): void {
  const test = (title: string, fn: (h: FleetContractHandle, t: Deno.TestContext) => Promise<void>) =>
    Deno.test({
      name: `FleetStore (${name}): ${title}`,
      ignore: options.ignore ?? false,
      fn: async (t) => {
        const handle = await open();
        try {
          await fn(handle, t);
        } finally {
          await handle.fleet.close();
          await handle.store.close();
          await handle.cleanup();
        }
      },
    });

  test(
    "jobs: tasks are claimed once each, never beyond the concurrency, and the job finishes once",
    async ({ fleet }, t) => {
      const jobs = fleet.jobs;
      const stations = ids(12);
      await jobs.createJob(job("J-1", { total: 12, concurrency: 4 }), stations);

      await t.step("the job and its pending tasks are stored", async () => {
        assertEquals((await jobs.getJob("J-1"))?.total, 12);
        assertEquals((await jobs.listRunningJobs()).map((j) => j.id), ["J-1"]);
        const counts = await jobs.countTasks("J-1");
        assertEquals([counts.pending, counts.running, counts.done], [12, 0, 0]);
        const page = await jobs.listTasks("J-1", { limit: 5 });
        assertEquals(page.map((x) => x.chargePointId), stations.slice(0, 5));
        const next = await jobs.listTasks("J-1", { limit: 5, after: page.at(-1)!.chargePointId });
        assertEquals(next[0]?.chargePointId, stations[5]);
      });

      await t.step("five workers claiming at once share four tasks, none twice", async () => {
        const claims = await Promise.all(
          ["w1", "w2", "w3", "w4", "w5"].map((w) => jobs.claimTasks("J-1", w, at(1), at(61), 10)),
        );
        const claimed = claims.flat();
        assertEquals(claimed.length, 4);
        assertEquals(new Set(claimed.map((c) => c.chargePointId)).size, 4);
        assert(claimed.every((c) => c.state === "running" && c.attempts === 1 && c.claimUntil === at(61)));
        assertEquals(await jobs.claimTasks("J-1", "w6", at(2), at(62), 10), []);
      });

      await t.step("only the holder finishes its task; then a slot is free again", async () => {
        const running = await jobs.listTasks("J-1", { limit: 20, state: "running" });
        const first = running[0]!;
        const update = {
          state: "done" as const,
          outcome: "accepted" as const,
          response: { status: "Accepted" },
          finishedAt: at(3),
        };
        assertEquals(await jobs.finishTask("J-1", first.chargePointId, "someone-else", at(3), update), false);
        assertEquals(await jobs.finishTask("J-1", first.chargePointId, first.claimedBy, at(3), update), true);
        assertEquals(
          await jobs.finishTask("J-1", first.chargePointId, first.claimedBy, at(3), update),
          false,
        );
        const task = await jobs.getTask("J-1", first.chargePointId);
        assertEquals([task?.state, task?.outcome, task?.claimedBy], ["done", "accepted", null]);
        assertEquals((await jobs.claimTasks("J-1", "w7", at(4), at(64), 10)).length, 1);
      });

      await t.step(
        "renewed claims live on; expired ones are found and closed without their holder",
        async () => {
          const running = await jobs.listTasks("J-1", { limit: 20, state: "running" });
          const [kept, ...lost] = running;
          assertEquals(await jobs.renewClaims("J-1", [kept!.chargePointId], kept!.claimedBy!, at(500)), 1);
          assertEquals(await jobs.renewClaims("J-1", [kept!.chargePointId], "not-the-holder", at(900)), 0);
          const expired = await jobs.listExpiredClaims("J-1", at(100));
          assertEquals(expired.map((x) => x.chargePointId).sort(), lost.map((x) => x.chargePointId).sort());
          for (const x of expired) {
            const update = {
              state: "done" as const,
              outcome: "timeout" as const,
              response: null,
              finishedAt: at(100),
            };
            assertEquals(
              await jobs.finishTask("J-1", x.chargePointId, null, at(50), update),
              false,
              "not yet expired",
            );
            assertEquals(await jobs.finishTask("J-1", x.chargePointId, null, at(100), update), true);
          }
          const update = {
            state: "done" as const,
            outcome: "callerror" as const,
            response: null,
            finishedAt: at(101),
          };
          assertEquals(
            await jobs.finishTask("J-1", kept!.chargePointId, kept!.claimedBy, at(101), update),
            true,
          );
        },
      );

      await t.step("the job finishes exactly once, when nothing is left", async () => {
        assertEquals(await jobs.finishJobIfDone("J-1", at(102)), null, "tasks are pending");
        for (;;) {
          const claimed = await jobs.claimTasks("J-1", "w8", at(103), at(163), 10);
          if (claimed.length === 0) break;
          for (const c of claimed) {
            await jobs.finishTask("J-1", c.chargePointId, "w8", at(104), {
              state: "done",
              outcome: c.chargePointId.endsWith("7") ? "not_connected" : "accepted",
              response: null,
              finishedAt: at(104),
            });
          }
        }
        const finishers = await Promise.all([1, 2, 3].map(() => jobs.finishJobIfDone("J-1", at(105))));
        assertEquals(finishers.filter((j) => j !== null).length, 1);
        const finished = await jobs.getJob("J-1");
        assertEquals([finished?.state, finished?.finishedAt], ["finished", at(105)]);
        assertEquals(await jobs.listRunningJobs(), []);
        const counts = await jobs.countTasks("J-1");
        assertEquals(counts.done, 12);
        assertEquals(counts.outcomes.not_connected, 1);
        assertEquals(counts.outcomes.timeout, 3);
        assertEquals(counts.outcomes.callerror, 1);
      });

      await t.step("retry makes the failed tasks pending and the job run again", async () => {
        assertEquals(await jobs.retryTasks("J-1", ["not_connected", "timeout"]), 4);
        assertEquals((await jobs.getJob("J-1"))?.state, "running");
        const counts = await jobs.countTasks("J-1");
        assertEquals([counts.pending, counts.done], [4, 8]);
        assertEquals(await jobs.retryTasks("J-1", ["invalid"]), 0);
        const claimed = await jobs.claimTasks("J-1", "w9", at(200), at(260), 10);
        assertEquals(claimed.length, 4);
        assert(claimed.every((c) => c.attempts === 2));
      });
    },
  );

  // An operator's job on a few hundred stations at up to 100 at once (the dashboard's limit): KV atomics hold at
  // most 100 checks, and claims of 50 tasks (101 checks) failed every round, leaving the job running, untouched.
  test("jobs: a job of 150 stations at 100 at once is claimed, retried and cancelled whole", async ({ fleet }) => {
    const jobs = fleet.jobs;
    const stations = ids(150);
    await jobs.createJob(job("J-BIG", { total: 150, concurrency: 100 }), stations);
    const claimed = [];
    for (let round = 0; round < 10; round++) {
      const some = await jobs.claimTasks("J-BIG", "w", at(1), at(61), 100);
      if (some.length === 0) break;
      claimed.push(...some);
    }
    assertEquals(claimed.length, 100, "as many as the job's concurrency, in one claim or several");
    for (const task of claimed) {
      const update = {
        state: "done" as const,
        outcome: "not_connected" as const,
        response: null,
        finishedAt: at(2),
      };
      assertEquals(await jobs.finishTask("J-BIG", task.chargePointId, "w", at(2), update), true);
    }
    assertEquals(await jobs.retryTasks("J-BIG", ["not_connected"]), 100);
    assertEquals((await jobs.countTasks("J-BIG")).pending, 150);
    assertEquals((await jobs.cancelJob("J-BIG", at(3)))?.cancelledNow, true);
    const counts = await jobs.countTasks("J-BIG");
    assertEquals([counts.pending, counts.done, counts.outcomes.cancelled], [0, 150, 150]);
    // A retry whose caller read the job before the cancel: the cancel stands, and it says so.
    assertEquals(await jobs.retryTasks("J-BIG", ["cancelled", "not_connected"]), null);
    assertEquals((await jobs.getJob("J-BIG"))?.state, "cancelled");
    assertEquals(await jobs.listRunningJobs(), []);
    assertEquals((await jobs.countTasks("J-BIG")).outcomes.cancelled, 150);
  });

  test("jobs: waiting campaign tasks, cancel, and newest-first listing", async ({ fleet }, t) => {
    const jobs = fleet.jobs;
    await jobs.createJob(job("J-2", { total: 3, concurrency: 10, campaign: { deadline: at(9999) } }), ids(3));
    await jobs.createJob(job("J-3", { total: 4, concurrency: 1, createdAt: at(1) }), ids(4));

    await t.step("an accepted firmware command waits for the station's status until a result", async () => {
      const [a, b] = await jobs.claimTasks("J-2", "w", at(1), at(61), 2);
      for (const c of [a!, b!]) {
        await jobs.finishTask("J-2", c.chargePointId, "w", at(2), {
          state: "waiting",
          outcome: "accepted",
          response: {},
          finishedAt: null,
          firmwareStatus: null,
        });
      }
      assertEquals((await jobs.listWaitingTasks(a!.chargePointId)).map((x) => x.jobId), ["J-2"]);
      assertEquals(
        await jobs.updateWaitingTask("J-2", a!.chargePointId, {
          firmwareStatus: "Downloading",
          result: null,
          at: at(3),
        }),
        true,
      );
      assertEquals((await jobs.getTask("J-2", a!.chargePointId))?.firmwareStatus, "Downloading");
      assertEquals(await jobs.finishJobIfDone("J-2", at(3)), null);
      await jobs.updateWaitingTask("J-2", a!.chargePointId, {
        firmwareStatus: "Installed",
        result: "installed",
        at: at(4),
      });
      await jobs.updateWaitingTask("J-2", b!.chargePointId, {
        firmwareStatus: "InstallationFailed",
        result: "failed",
        at: at(4),
      });
      assertEquals(await jobs.listWaitingTasks(a!.chargePointId), []);
      const done = await jobs.getTask("J-2", a!.chargePointId);
      assertEquals([done?.state, done?.result, done?.finishedAt], ["done", "installed", at(4)]);
      assertEquals(
        await jobs.updateWaitingTask("J-2", a!.chargePointId, {
          firmwareStatus: "Idle",
          result: null,
          at: at(5),
        }),
        false,
        "no longer waiting",
      );
      const counts = await jobs.countTasks("J-2");
      assertEquals(counts.results, { installed: 1, failed: 1 });
    });

    await t.step("cancel ends pending tasks as cancelled and stops claims", async () => {
      const claimed = await jobs.claimTasks("J-3", "w", at(1), at(61), 5);
      assertEquals(claimed.length, 1);
      const cancels = await Promise.all([1, 2, 3].map(() => jobs.cancelJob("J-3", at(2))));
      assertEquals(cancels.map((c) => c?.job.state), ["cancelled", "cancelled", "cancelled"]);
      assertEquals(cancels.filter((c) => c?.cancelledNow).length, 1, "one caller cancelled it");
      assertEquals(await jobs.claimTasks("J-3", "w", at(3), at(63), 5), []);
      const counts = await jobs.countTasks("J-3");
      assertEquals([counts.running, counts.done, counts.outcomes.cancelled], [1, 3, 3]);
      assertEquals(await jobs.cancelJob("missing", at(2)), null);
    });

    await t.step(
      "a stopping worker's unsent claims go back to pending, only its own, and count no attempt",
      async () => {
        await jobs.createJob(job("J-4", { total: 3, concurrency: 3, createdAt: at(0) }), ids(3));
        const [a, b, c] = await jobs.claimTasks("J-4", "w1", at(1), at(61), 3);
        assertEquals(
          await jobs.releaseClaims("J-4", [a!.chargePointId, b!.chargePointId, "CP-999"], "w2"),
          0,
        );
        assertEquals(await jobs.releaseClaims("J-4", [a!.chargePointId, b!.chargePointId], "w1"), 2);
        const released = await jobs.getTask("J-4", a!.chargePointId);
        assertEquals(
          [released?.state, released?.claimedBy, released?.claimUntil, released?.attempts, released?.outcome],
          ["pending", null, null, 0, null],
        );
        assertEquals(await jobs.releaseClaims("J-4", [a!.chargePointId], "w1"), 0, "no longer held");
        assertEquals(await jobs.listExpiredClaims("J-4", at(100)), [c!], "only the one still held expires");
        const again = await jobs.claimTasks("J-4", "w3", at(2), at(62), 3);
        assertEquals(again.map((x) => [x.chargePointId, x.attempts]), [[a!.chargePointId, 1], [
          b!.chargePointId,
          1,
        ]]);
        const counts = await jobs.countTasks("J-4");
        assertEquals([counts.pending, counts.running], [0, 3]);
      },
    );

    await t.step("a claim released after its job was cancelled ends cancelled, not pending", async () => {
      await jobs.createJob(job("J-5", { total: 1, concurrency: 1, createdAt: at(0) }), ids(1));
      const [a] = await jobs.claimTasks("J-5", "w1", at(1), at(61), 1);
      await jobs.cancelJob("J-5", at(2));
      assertEquals(await jobs.releaseClaims("J-5", [a!.chargePointId], "w1"), 1);
      const task = await jobs.getTask("J-5", a!.chargePointId);
      assertEquals([task?.state, task?.outcome, task?.finishedAt], ["done", "cancelled", at(2)]);
      assertEquals((await jobs.countTasks("J-5")).pending, 0);
    });

    await t.step(
      "a CALL's mark is written only while its sender holds the claim; a claim never marked is given back",
      async () => {
        await jobs.createJob(job("J-6", { total: 3, concurrency: 3, createdAt: at(0) }), ids(3));
        const [a, b, c] = await jobs.claimTasks("J-6", "w1", at(1), at(61), 3);
        assert([a, b, c].every((x) => x?.sentAt === null));
        assertEquals(await jobs.markTaskSent("J-6", a!.chargePointId, "w2", at(2)), false, "not w2's claim");
        assertEquals(await jobs.markTaskSent("J-6", "CP-999", "w1", at(2)), false, "no such task");
        assertEquals(await jobs.markTaskSent("J-6", a!.chargePointId, "w1", at(2)), true);
        assertEquals(await jobs.markTaskSent("J-6", a!.chargePointId, "w1", at(3)), true, "marked already");
        assertEquals((await jobs.getTask("J-6", a!.chargePointId))?.sentAt, at(2));
        assertEquals(
          await jobs.releaseClaims("J-6", [a!.chargePointId, b!.chargePointId], "w1"),
          1,
          "a marked CALL may have left: its claim is not given back",
        );
        assertEquals((await jobs.getTask("J-6", a!.chargePointId))?.claimedBy, "w1");
        assertEquals(
          (await jobs.listExpiredClaims("J-6", at(100))).map((x) => [x.chargePointId, x.sentAt]),
          [[a!.chargePointId, at(2)], [c!.chargePointId, null]],
        );
        assertEquals(await jobs.releaseExpiredClaim("J-6", c!.chargePointId, at(50)), false, "not expired");
        assertEquals(await jobs.releaseExpiredClaim("J-6", a!.chargePointId, at(100)), false, "marked");
        assertEquals(await jobs.releaseExpiredClaim("J-6", c!.chargePointId, at(100)), true);
        const given = await jobs.getTask("J-6", c!.chargePointId);
        assertEquals(
          [given?.state, given?.claimedBy, given?.claimUntil, given?.attempts, given?.sentAt],
          ["pending", null, null, 0, null],
        );
        assertEquals(
          await jobs.markTaskSent("J-6", c!.chargePointId, "w1", at(101)),
          false,
          "a sender late past its given-back claim may not send",
        );
        assertEquals(await jobs.releaseExpiredClaim("J-6", c!.chargePointId, at(101)), false, "not running");
        const timeout = {
          state: "done" as const,
          outcome: "timeout" as const,
          response: null,
          finishedAt: at(100),
        };
        assertEquals(await jobs.finishTask("J-6", a!.chargePointId, null, at(100), timeout), true);
        assertEquals((await jobs.getTask("J-6", a!.chargePointId))?.sentAt, at(2), "kept with its outcome");
        assertEquals(await jobs.retryTasks("J-6", ["timeout"]), 1);
        const retried = await jobs.getTask("J-6", a!.chargePointId);
        assertEquals([retried?.state, retried?.sentAt], ["pending", null], "a retry is sent anew");
      },
    );

    await t.step("an expired claim given back after its job was cancelled ends cancelled", async () => {
      await jobs.createJob(job("J-7", { total: 1, concurrency: 1, createdAt: at(0) }), ids(1));
      const [a] = await jobs.claimTasks("J-7", "w1", at(1), at(61), 1);
      await jobs.cancelJob("J-7", at(2));
      assertEquals(await jobs.releaseExpiredClaim("J-7", a!.chargePointId, at(100)), true);
      const task = await jobs.getTask("J-7", a!.chargePointId);
      assertEquals([task?.state, task?.outcome, task?.finishedAt], ["done", "cancelled", at(2)]);
    });

    await t.step("jobs list newest first with a cursor", async () => {
      assertEquals((await jobs.listJobs({ limit: 10 })).map((j) => j.id), [
        "J-7",
        "J-6",
        "J-5",
        "J-4",
        "J-3",
        "J-2",
      ]);
      assertEquals((await jobs.listJobs({ limit: 10, before: "J-3" })).map((j) => j.id), ["J-2"]);
    });
  });

  test("webhooks: subscriptions, deliveries claimed once, attempts logged, pruning", async ({ fleet }, t) => {
    const hooks = fleet.webhooks;
    const sub: WebhookSubscription = {
      id: "sub-1",
      url: "http://127.0.0.1:9/hook",
      events: ["station.offline"],
      secret: "s3cret",
      enabled: true,
      description: "ops",
      createdBy: "user:root",
      createdAt: at(0),
      updatedAt: at(0),
    };

    await t.step("subscriptions are stored, changed and deleted", async () => {
      await hooks.putSubscription(sub);
      await hooks.putSubscription({ ...sub, id: "sub-2", createdAt: at(1), events: ["job.finished"] });
      await hooks.putSubscription({ ...sub, enabled: false, updatedAt: at(2) });
      assertEquals((await hooks.getSubscription("sub-1"))?.enabled, false);
      assertEquals((await hooks.listSubscriptions()).map((s) => s.id), ["sub-1", "sub-2"]);
      assertEquals(await hooks.deleteSubscription("sub-2"), true);
      assertEquals(await hooks.deleteSubscription("sub-2"), false);
    });

    await t.step(
      "three workers claiming at once never share a delivery; only due ones are claimed",
      async () => {
        await hooks.enqueueDeliveries([
          ...Array.from(
            { length: 9 },
            (_, i) => delivery(`${at(i)}-d${i}`, { nextAttemptAt: at(i), createdAt: at(i) }),
          ),
          delivery(`${at(50)}-late`, { nextAttemptAt: at(500), createdAt: at(50) }),
        ]);
        const claims = await Promise.all(
          ["w1", "w2", "w3"].map((w) => hooks.claimDeliveries(w, at(100), at(130), 4)),
        );
        claims.forEach((claim) => assert(claim.length <= 4, `${claim.length} claimed with max 4`));
        const all = claims.flat();
        assertEquals(all.length, 9);
        assertEquals(
          new Set(all.map((d) => d.id)).size,
          9,
        );
        assert(all.every((d) => d.nextAttemptAt === at(130) && d.claimedBy !== null));
        assertEquals(await hooks.claimDeliveries("w4", at(120), at(150), 10), [], "claimed until 130");
      },
    );

    await t.step(
      "a claim that runs out makes the delivery due again; a claim takes at most its max",
      async () => {
        const few = await hooks.claimDeliveries("w5", at(131), at(1000), 2);
        assertEquals(few.length, 2);
        const again = await hooks.claimDeliveries("w5", at(131), at(1000), 20);
        assertEquals(new Set([...few, ...again].map((d) => d.id)).size, 9);
      },
    );

    await t.step(
      "an attempt is written only by its holder; a retry is due later, the log is bounded",
      async () => {
        const id = `${at(0)}-d0`;
        const attempt = (n: number) => ({ at: at(140 + n), status: 500, error: "HTTP 500", durationMs: 3 });
        assertEquals(
          await hooks.recordAttempt(id, "w1", {
            state: "pending",
            nextAttemptAt: at(200),
            attempt: attempt(0),
            maxLog: 2,
          }),
          false,
        );
        assert(
          await hooks.recordAttempt(id, "w5", {
            state: "pending",
            nextAttemptAt: at(200),
            attempt: attempt(1),
            maxLog: 2,
          }),
        );
        assertEquals(await hooks.claimDeliveries("w6", at(199), at(229), 20), []);
        const [claimed] = await hooks.claimDeliveries("w6", at(200), at(230), 1);
        assertEquals(claimed?.id, id);
        assert(
          await hooks.recordAttempt(id, "w6", {
            state: "pending",
            nextAttemptAt: at(300),
            attempt: attempt(2),
            maxLog: 2,
          }),
        );
        await hooks.claimDeliveries("w7", at(300), at(330), 1);
        assert(
          await hooks.recordAttempt(id, "w7", {
            state: "delivered",
            nextAttemptAt: at(303),
            attempt: { at: at(303), status: 204, error: null, durationMs: 2 },
            maxLog: 2,
          }),
        );
        const stored = await hooks.getDelivery(id);
        assertEquals([stored?.state, stored?.attempts, stored?.finishedAt], ["delivered", 3, at(303)]);
        assertEquals(stored?.log.map((l) => l.status), [500, 204]);
        assertEquals(
          await hooks.claimDeliveries("w8", at(10_000), at(10_030), 20).then((d) =>
            d.some((x) => x.id === id)
          ),
          false,
        );
      },
    );

    await t.step(
      "deliveries list newest first, by subscription and state; finished old ones are pruned",
      async () => {
        const delivered = await hooks.listDeliveries({ state: "delivered", limit: 10 });
        assertEquals(delivered.map((d) => d.id), [`${at(0)}-d0`]);
        const bySub = await hooks.listDeliveries({ subscriptionId: "sub-1", limit: 3 });
        assertEquals(bySub[0]?.id, `${at(50)}-late`);
        assertEquals(bySub.length, 3);
        const next = await hooks.listDeliveries({
          subscriptionId: "sub-1",
          limit: 100,
          before: bySub[2]!.id,
        });
        assertEquals(next.length, 7);
        assertEquals(await hooks.pruneDeliveries(at(60), 100), 1, "only the finished one");
        assertEquals(await hooks.getDelivery(`${at(0)}-d0`), null);
      },
    );

    await t.step(
      "a claim leaves the subscriptions it is told to skip, also past a backlog of theirs",
      async () => {
        await hooks.putSubscription({ ...sub, id: "sub-3", enabled: true });
        await hooks.enqueueDeliveries([
          ...Array.from(
            { length: 30 },
            (_, i) => delivery(`${at(20_000 + i)}-backlog${i}`, { nextAttemptAt: at(20_000 + i) }),
          ),
          delivery(`${at(20_100)}-other`, { subscriptionId: "sub-3", nextAttemptAt: at(20_100) }),
        ]);
        const claimed = await hooks.claimDeliveries("w9", at(30_000), at(30_030), 1, ["sub-1"]);
        assertEquals(
          claimed.map((d) => d.id),
          [`${at(20_100)}-other`],
        );
        assertEquals(await hooks.claimDeliveries("w9", at(30_000), at(30_030), 5, ["sub-1"]), []);
        assertEquals((await hooks.claimDeliveries("w9", at(30_000), at(30_030), 5)).length, 5);
      },
    );
  });

  test("reservations: allocated ids, one end each, active and due ones", async ({ fleet }, t) => {
    const rs = fleet.reservations;

    await t.step("ids are unique and increasing, also when asked for at once", async () => {
      const got = await Promise.all(Array.from({ length: 10 }, () => rs.newReservationId()));
      assertEquals(new Set(got).size, 10);
      assert(got.every((id) => id > 0));
      assert((await rs.newReservationId()) > Math.max(...got));
    });

    await t.step("reservations are created once and listed newest first", async () => {
      assert(await rs.createReservation(reservation(101)));
      assertEquals(await rs.createReservation(reservation(101)), false);
      assert(await rs.createReservation(reservation(102, { connectorId: 2, expiryDate: at(60) })));
      assert(await rs.createReservation(reservation(103, { chargePointId: "CP-2", expiryDate: at(30) })));
      assertEquals((await rs.listReservations({ limit: 10 })).map((r) => r.reservationId), [103, 102, 101]);
      assertEquals(
        (await rs.listReservations({ limit: 10, chargePointId: "CP-1" })).map((r) => r.reservationId),
        [
          102,
          101,
        ],
      );
      assertEquals((await rs.listReservations({ limit: 10, before: 103 })).map((r) => r.reservationId), [
        102,
        101,
      ]);
      assertEquals((await rs.listActiveReservations("CP-1", 2)).map((r) => r.reservationId), [102]);
      assertEquals((await rs.listActiveReservations("CP-1")).map((r) => r.reservationId).sort(), [101, 102]);
      // Many stations asked at once: each gets its own.
      const many = await Promise.all(["CP-2", "CP-9", "CP-1"].map((id) => rs.listActiveReservations(id)));
      assertEquals(many.map((l) => l.map((r) => r.reservationId).sort()), [[103], [], [101, 102]]);
    });

    await t.step("due expiries are the active ones past their expiry, soonest first", async () => {
      assertEquals((await rs.listDueExpiries(at(60), 10)).map((r) => r.reservationId), [103, 102]);
      assertEquals((await rs.listDueExpiries(at(29), 10)).map((r) => r.reservationId), []);
    });

    await t.step("a reservation ends once, whoever tries first", async () => {
      const ends = await Promise.all([
        rs.endReservation(103, { state: "expired", at: at(61), reason: "expired" }),
        rs.endReservation(103, { state: "cancelled", at: at(61), reason: "connector 1 is Faulted" }),
      ]);
      assertEquals(ends.filter((e) => e !== null).length, 1);
      const used = await rs.endReservation(101, {
        state: "used",
        at: at(70),
        reason: "transaction started",
        transactionId: 7,
      });
      assertEquals([used?.state, used?.transactionId, used?.endedAt], ["used", 7, at(70)]);
      assertEquals((await rs.listDueExpiries(at(9999), 10)).map((r) => r.reservationId), [102]);
      assertEquals((await rs.listReservations({ limit: 10, state: "used" })).map((r) => r.reservationId), [
        101,
      ]);
      assertEquals((await rs.listActiveReservations("CP-1")).map((r) => r.reservationId), [102]);
    });

    await t.step(
      "an unconfirmed reservation is listed so until confirmed once, and stays so once ended",
      async () => {
        assert(await rs.createReservation(reservation(104, { connectorId: 3, unconfirmed: true })));
        assert(await rs.createReservation(reservation(105, { connectorId: 4, unconfirmed: true })));
        assertEquals((await rs.listReservations({ limit: 2 })).map((r) => [r.reservationId, r.unconfirmed]), [
          [105, true],
          [104, true],
        ]);
        assertEquals((await rs.getReservation(102))?.unconfirmed, false);
        const confirms = await Promise.all([rs.confirmReservation(104), rs.confirmReservation(104)]);
        assertEquals(confirms.filter((c) => c !== null).map((c) => [c!.reservationId, c!.unconfirmed]), [
          [104, false],
        ]);
        assertEquals((await rs.listActiveReservations("CP-1", 3)).map((r) => r.unconfirmed), [false]);
        assertEquals(await rs.confirmReservation(102), null, "confirmed already");
        const ended = await rs.endReservation(105, { state: "expired", at: at(3601), reason: "expired" });
        assertEquals([ended?.state, ended?.unconfirmed], ["expired", true]);
        assertEquals(await rs.confirmReservation(105), null, "ended: its late Accepted changes no history");
        assertEquals((await rs.getReservation(105))?.unconfirmed, true);
      },
    );

    await t.step("the unconfirmed list holds the active unconfirmed ones only, lowest id first", async () => {
      assert(await rs.createReservation(reservation(107, { connectorId: 6, unconfirmed: true })));
      assert(await rs.createReservation(reservation(106, { connectorId: 5, unconfirmed: true })));
      assert(await rs.createReservation(reservation(108, { connectorId: 7, unconfirmed: true })));
      assertEquals((await rs.listUnconfirmedReservations(10)).map((r) => [r.reservationId, r.unconfirmed]), [
        [106, true],
        [107, true],
        [108, true],
      ]);
      assertEquals((await rs.listUnconfirmedReservations(2)).map((r) => r.reservationId), [106, 107]);
      // The sweep's next page: the ids above the last one it read.
      assertEquals((await rs.listUnconfirmedReservations(2, 107)).map((r) => r.reservationId), [108]);
      assertEquals((await rs.listUnconfirmedReservations(2, 106)).map((r) => r.reservationId), [107, 108]);
      assertEquals(await rs.listUnconfirmedReservations(2, 108), []);
      await rs.confirmReservation(106);
      await rs.endReservation(107, { state: "cancelled", at: at(10), reason: "not held" });
      assertEquals((await rs.listUnconfirmedReservations(10)).map((r) => r.reservationId), [108]);
    });

    await t.step(
      "a revised reservation holds what the station accepted, confirmed, on its new connector",
      async () => {
        const accepted = { connectorId: 9, idTag: "TAG-9", parentIdTag: "GROUP-9", expiryDate: at(7200) };
        const revised = await rs.reviseReservation(108, accepted);
        assertEquals(revised && { ...accepted, unconfirmed: false, state: revised.state }, {
          ...accepted,
          unconfirmed: false,
          state: "active",
        });
        assertEquals(await rs.getReservation(108), revised);
        assertEquals((await rs.listActiveReservations("CP-1", 7)).map((r) => r.reservationId), []);
        assertEquals((await rs.listActiveReservations("CP-1", 9)).map((r) => r.reservationId), [108]);
        assertEquals((await rs.listUnconfirmedReservations(10)).map((r) => r.reservationId), []);
        assertEquals((await rs.listDueExpiries(at(3600), 100)).some((r) => r.reservationId === 108), false);
        assertEquals((await rs.listDueExpiries(at(7200), 100)).map((r) => r.reservationId), [
          102,
          104,
          106,
          108,
        ]);
        // Same connector: its pointers stay.
        const again = await rs.reviseReservation(108, { ...accepted, idTag: "TAG-10" });
        assertEquals(again?.idTag, "TAG-10");
        assertEquals((await rs.listActiveReservations("CP-1", 9)).map((r) => r.idTag), ["TAG-10"]);
        assertEquals(await rs.reviseReservation(107, accepted), null, "ended: not revised");
        assertEquals((await rs.getReservation(107))?.connectorId, 6);
      },
    );
  });

  test(
    "local lists: versions only on a real change, changes since a version, station records",
    async ({ fleet }, t) => {
      const ll = fleet.localLists;

      await t.step("membership changes bump the version once each, also at once", async () => {
        assertEquals(await ll.currentVersion(), 0);
        const versions = await Promise.all(["A", "B", "C", "D"].map((tag) => ll.setMember(tag, true, at(1))));
        assertEquals([...versions].sort(), [1, 2, 3, 4]);
        assertEquals(await ll.setMember("A", true, at(2)), 4, "already a member: no change");
        assertEquals(await ll.setMember("B", false, at(3)), 5);
        assertEquals(await ll.touchMember("C", at(4)), 6);
        assertEquals(await ll.touchMember("B", at(4)), null, "not a member");
        assertEquals(await ll.listMembers(), ["A", "C", "D"]);
        assert(await ll.isMember("A"));
        assertEquals(await ll.isMember("B"), false);
      });

      await t.step("changes since a version come oldest first; pruned ones make it null", async () => {
        const since = await ll.changesSince(4);
        assertEquals(since?.map((c) => [c.version, c.idTag, c.op]), [[5, "B", "remove"], [6, "C", "upsert"]]);
        assertEquals(await ll.changesSince(6), []);
        assertEquals(await ll.pruneChanges(4), 3);
        assertEquals(await ll.changesSince(2), null);
        assertEquals((await ll.changesSince(3))?.length, 3);
      });

      await t.step("members match in any case; a change names the member as it was put on", async () => {
        assertEquals(await ll.setMember("c", true, at(5)), 6, "C is a member already");
        assert(await ll.isMember("c"));
        assertEquals(await ll.touchMember("d", at(5)), 7);
        assertEquals(await ll.setMember("d", false, at(5)), 8);
        assertEquals((await ll.changesSince(6))?.map((c) => [c.idTag, c.op]), [["D", "upsert"], [
          "D",
          "remove",
        ]]);
        assertEquals(await ll.listMembers(), ["A", "C"]);
      });

      await t.step("each station's list record is kept", async () => {
        const record = {
          chargePointId: "CP-2",
          version: 6,
          status: "synced" as const,
          detail: null,
          lastSyncAt: at(5),
          updatedAt: at(5),
        };
        await ll.putStationList(record);
        await ll.putStationList({
          ...record,
          chargePointId: "CP-1",
          version: null,
          status: "failed",
          detail: "Failed",
        });
        assertEquals(await ll.getStationList("CP-2"), record);
        assertEquals((await ll.listStationLists()).map((r) => [r.chargePointId, r.version]), [
          ["CP-1", null],
          ["CP-2", 6],
        ]);
      });
    },
  );

  test("unknown id tags are tallied per tag, newest first, bounded and forgotten", async ({ fleet }) => {
    const tags = fleet.unknownIdTags;
    const tally = (idTag: string, s: number, chargePointId = "CP-1", idTokenType: string | null = null) => ({
      idTag,
      idTokenType,
      count: 1,
      firstSeen: at(s),
      lastSeen: at(s),
      chargePointId,
    });
    // Two tallies of one tag in one batch (any case) count as one tag.
    await tags.recordUnknownIdTags([tally("abc", 1), tally("DEF", 2), tally("ABC", 3, "CP-2")], 10);
    assertEquals(await tags.listUnknownIdTags(10), [
      { ...tally("ABC", 3, "CP-2"), count: 2, firstSeen: at(1) },
      tally("DEF", 2),
    ]);
    // A later batch adds to what is stored; an older sighting does not take the spelling or station.
    await tags.recordUnknownIdTags([
      { ...tally("abc", 0, "CP-9"), count: 3 },
      tally("Def", 5, "CP-3", "ISO14443"),
    ], 10);
    assertEquals(await tags.listUnknownIdTags(10), [
      { ...tally("Def", 5, "CP-3", "ISO14443"), count: 2, firstSeen: at(2) },
      { ...tally("ABC", 3, "CP-2"), count: 5, firstSeen: at(0) },
    ]);
    // Only the `keep` most recently seen stay.
    await tags.recordUnknownIdTags([tally("G", 6), tally("H", 7)], 3);
    assertEquals((await tags.listUnknownIdTags(10)).map((x) => x.idTag), ["H", "G", "Def"]);
    assertEquals((await tags.listUnknownIdTags(2)).map((x) => x.idTag), ["H", "G"]);
    assertEquals(await tags.forgetUnknownIdTag("def"), true);
    assertEquals(await tags.forgetUnknownIdTag("def"), false);
    assertEquals((await tags.listUnknownIdTags(10)).map((x) => x.idTag), ["H", "G"]);
    // In key order, page by page (the recorder's rounds).
    await tags.recordUnknownIdTags([tally("b", 8), tally("A", 9)], 10);
    assertEquals((await tags.listUnknownIdTagsAfter(null, 2)).map((x) => x.idTag), ["A", "b"]);
    assertEquals((await tags.listUnknownIdTagsAfter("b", 2)).map((x) => x.idTag), ["G", "H"]);
    assertEquals((await tags.listUnknownIdTagsAfter("h", 2)).map((x) => x.idTag), []);
  });

  test("data transfers, rules, flags, settings and leases", async ({ fleet }, t) => {
    await t.step("data transfers are listed newest first, per station, and pruned by time", async () => {
      const dt = fleet.dataTransfers;
      for (const [i, cp] of ["CP-1", "CP-2", "CP-1"].entries()) {
        await dt.appendDataTransfer({
          id: `${at(i)}-${i}`,
          chargePointId: cp,
          vendorId: "Acme",
          messageId: i === 1 ? null : "Temp",
          data: `${i}`,
          receivedAt: at(i),
          status: "Accepted",
          responseData: null,
        });
      }
      assertEquals((await dt.listDataTransfers({ limit: 10 })).map((d) => d.data), ["2", "1", "0"]);
      assertEquals((await dt.listDataTransfers({ limit: 10, chargePointId: "CP-1" })).map((d) => d.data), [
        "2",
        "0",
      ]);
      assertEquals((await dt.listDataTransfers({ limit: 10, before: `${at(2)}-2` })).map((d) => d.data), [
        "1",
        "0",
      ]);
      assertEquals(await dt.pruneDataTransfers(at(1), 10), 1);
      assertEquals((await dt.listDataTransfers({ limit: 10, chargePointId: "CP-1" })).map((d) => d.data), [
        "2",
      ]);
    });

    await t.step("rules are keyed by vendorId and messageId", async () => {
      const dt = fleet.dataTransfers;
      const rule = {
        vendorId: "Acme",
        messageId: "",
        status: "Accepted" as const,
        data: "ok",
        updatedBy: "u",
        updatedAt: at(0),
      };
      const put = (r: Omit<DataTransferRule, "version">) => dt.changeRule(r.vendorId, r.messageId, () => r);
      await put(rule);
      await put({ ...rule, messageId: "Temp", status: "Rejected", data: null });
      const { before, after } = await put({ ...rule, data: "changed" });
      assertEquals([before?.version, after?.version], [1, 2]);
      assertEquals(await dt.getRule("Acme", ""), { ...rule, data: "changed", version: 2 });
      assertEquals((await dt.listRules()).map((r) => [r.messageId, r.version]), [["", 2], ["Temp", 1]]);
      assertEquals((await dt.changeRule("Acme", "Temp", () => null)).after, null);
      assertEquals((await dt.changeRule("Acme", "Temp", () => null)).before, null);
      await assertRejects(() =>
        dt.changeRule("Acme", "", () => {
          throw new Error("refused");
        })
      );
      assertEquals((await dt.getRule("Acme", ""))?.version, 2);
      assertEquals(await dt.getRule("Acme", "Temp"), null);
    });

    await t.step("changes of a vendor's rules at once each decide on what the others wrote", async () => {
      const dt = fleet.dataTransfers;
      const rule = (messageId: string, data: string) => ({
        vendorId: "Race",
        messageId,
        status: "Accepted" as const,
        data,
        updatedBy: "u",
        updatedAt: at(0),
      });
      // Each counts what it read: a change decided on rules another one replaced meanwhile would lose a count.
      const count = (messageId: string) =>
        dt.changeRule("Race", messageId, (rules) => rule(messageId, String(Number(rules[0]?.data ?? 0) + 1)));
      await Promise.all([count(""), count(""), count(""), count(""), count("")]);
      assertEquals(await dt.getRule("Race", ""), { ...rule("", "5"), version: 5 });
      // A rule added meanwhile under another messageId is among the rules the other change decides on.
      const seen = (messageId: string) =>
        dt.changeRule("Race", messageId, (rules) => rule(messageId, String(rules.length)));
      await Promise.all([seen("A"), seen("B")]);
      const sizes = (await dt.listRules()).filter((r) => r.messageId !== "").map((r) => r.data).sort();
      assertEquals(sizes, ["1", "2"]);
    });

    await t.step("a transaction flag is kept once per kind", async () => {
      const flag = {
        transactionId: 5,
        kind: "closed_by_operator" as const,
        chargePointId: "CP-1",
        connectorId: 1,
        at: at(0),
        details: { by: "user:root", reason: "stuck" },
      };
      assert(await fleet.flags.addFlag(flag));
      assertEquals(await fleet.flags.addFlag(flag), false);
      assert(await fleet.flags.addFlag({ ...flag, kind: "open_after_reboot" }));
      assert(await fleet.flags.addFlag({ ...flag, transactionId: 9, kind: "open_after_reboot" }));
      assertEquals((await fleet.flags.listFlags({ transactionId: 5, limit: 10 })).length, 2);
      assertEquals(
        (await fleet.flags.listFlags({ kind: "open_after_reboot", limit: 10 })).map((f) => f.transactionId),
        [9, 5],
      );
      assertEquals(
        (await fleet.flags.listFlags({ limit: 10, transactionId: 5, kind: "closed_by_operator" }))[0]
          ?.details,
        {
          by: "user:root",
          reason: "stuck",
        },
      );
    });

    await t.step("settings start as the defaults and keep what is saved", async () => {
      assertEquals(await fleet.settings.getSettings(), DEFAULT_FLEET_SETTINGS);
      const saved = {
        ...DEFAULT_FLEET_SETTINGS,
        retention: { ...DEFAULT_FLEET_SETTINGS.retention, meterValuesDays: 30 },
        updatedBy: "user:root",
        updatedAt: at(1),
      };
      await fleet.settings.putSettings(saved);
      assertEquals(await fleet.settings.getSettings(), saved);
    });

    await t.step("changeSettings() applies concurrent changes one after the other", async () => {
      const days = (await fleet.settings.getSettings()).retention.meterValuesDays ?? 0;
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          fleet.settings.changeSettings((current) => ({
            ...current,
            retention: {
              ...current.retention,
              meterValuesDays: (current.retention.meterValuesDays ?? 0) + 1,
            },
          }))),
      );
      // Each change saw the one before it: no increment lost, each result distinct.
      assertEquals(
        results.map((r) => r.retention.meterValuesDays).sort(),
        [1, 2, 3, 4, 5].map((n) => days + n),
      );
      assertEquals((await fleet.settings.getSettings()).retention.meterValuesDays, days + 5);
    });

    await t.step("a lease has one holder until it expires", async () => {
      const leases = fleet.leases;
      const taken = await Promise.all(
        ["a", "b", "c"].map((h) => leases.acquireLease("sweep", h, at(0), at(30))),
      );
      assertEquals(taken.filter(Boolean).length, 1);
      const holder = ["a", "b", "c"][taken.indexOf(true)]!;
      const other = holder === "a" ? "b" : "a";
      assert(await leases.acquireLease("sweep", holder, at(10), at(40)), "renewed by its holder");
      assertEquals(await leases.acquireLease("sweep", other, at(39), at(70)), false);
      assert(await leases.acquireLease("sweep", other, at(40), at(70)), "expired: taken over");
      await leases.releaseLease("sweep", holder);
      assertEquals(
        await leases.acquireLease("sweep", holder, at(41), at(70)),
        false,
        "release by a non-holder",
      );
      await leases.releaseLease("sweep", other);
      assert(await leases.acquireLease("sweep", holder, at(42), at(70)));
    });

    await t.step("a lease is renewed only by a holder nobody replaced", async () => {
      const leases = fleet.leases;
      assert(await leases.acquireLease("divide", "a", at(0), at(30)));
      assert(await leases.renewLease("divide", "a", at(40)), "renewed by its holder");
      assertEquals(await leases.renewLease("divide", "b", at(50)), false, "not b's to renew");
      assert(await leases.renewLease("divide", "a", at(60)), "expired, nobody took it: still a's");
      assert(await leases.acquireLease("divide", "b", at(61), at(90)), "b takes it over");
      assertEquals(await leases.renewLease("divide", "a", at(100)), false, "taken over: a lost it");
      await leases.releaseLease("divide", "b");
      assertEquals(await leases.renewLease("divide", "a", at(100)), false, "released by b: not a's again");
      assert(await leases.acquireLease("divide", "a", at(62), at(90)), "a renewal took nothing: free");
      await leases.releaseLease("divide", "a");
    });
  });

  test("an operator's close stores its flag with the stop, and a stop that is a replay none", async ({ fleet, store }) => {
    await store.putChargePoint(emptyRecord("CP-1", new Date(T0)));
    const started = await store.startTransaction(startInput());
    const id = started.transaction.transactionId;
    const flag = {
      transactionId: id,
      kind: "closed_by_operator" as const,
      chargePointId: "CP-1",
      connectorId: 1,
      at: at(50),
      details: { by: "user:root", reason: "stuck" },
    };
    const stop = stopInput(id, { idTag: null, idTagStatus: null, reason: "ClosedByOperator" });
    assertEquals((await store.stopTransaction(stop, [flag])).outcome, "stopped");
    assertEquals(await fleet.flags.listFlags({ transactionId: id, limit: 10 }), [flag]);
    // A replay of the same stop with another flag stores no flag.
    const replay = await store.stopTransaction(stop, [{ ...flag, kind: "open_after_reboot" }]);
    assertEquals(replay.outcome, "replayed");
    assertEquals((await fleet.flags.listFlags({ transactionId: id, limit: 10 })).map((f) => f.kind), [
      "closed_by_operator",
    ]);
  });

  test("an implausible_energy flag describes the transaction as its newest stop leaves it", async ({ fleet, store }) => {
    await store.putChargePoint(emptyRecord("CP-1", new Date(T0)));
    const closedBy = (transactionId: number) => ({
      transactionId,
      kind: "closed_by_operator" as const,
      chargePointId: "CP-1",
      connectorId: 1,
      at: at(50),
      details: { by: "user:root", reason: "stuck" },
    });
    // An operator's estimate below the start (meter_backwards), replaced by the station's own stop.
    const closeByHand = async (connectorId: number) => {
      const id = (await store.startTransaction(startInput({ connectorId }))).transaction.transactionId;
      const close = stopInput(id, {
        idTag: null,
        idTagStatus: null,
        reason: "ClosedByOperator",
        meterStop: 500,
      });
      assertEquals((await store.stopTransaction(close, [closedBy(id)])).outcome, "stopped");
      const flag = await fleet.flags.listFlags({ transactionId: id, kind: "implausible_energy", limit: 10 });
      assertEquals(flag.map((f) => f.details), [{
        reason: "meter_backwards",
        meterStart: 1000,
        meterStop: 500,
      }]);
      return id;
    };
    const kinds = async (id: number) =>
      (await fleet.flags.listFlags({ transactionId: id, limit: 10 })).map((f) => f.kind).sort();

    // The station's stop is implausible too, for another reason: the newest judgement is the flag.
    const leaping = await closeByHand(1);
    // Received a moment after the estimate's stop: 30.005 minutes after the start's, plus the hour's allowance.
    const receivedAt = new Date(T0 + 40.015 * 60_000).toISOString();
    const far = stopInput(leaping, { meterStop: 20_001_000, receivedAt });
    assertEquals((await store.stopTransaction(far)).outcome, "stopped");
    const [flag] = await fleet.flags.listFlags({
      transactionId: leaping,
      kind: "implausible_energy",
      limit: 10,
    });
    assertEquals([flag?.at, flag?.details], [receivedAt, {
      reason: "above_max_power",
      maxWh: 7_500_416,
      meterStart: 1000,
      meterStop: 20_001_000,
    }]);
    assertEquals(await kinds(leaping), ["closed_by_operator", "implausible_energy"]);

    // The station's stop is plausible: the flag goes, the operator's close stays.
    const corrected = await closeByHand(2);
    assertEquals((await store.stopTransaction(stopInput(corrected))).outcome, "stopped");
    assertEquals(await kinds(corrected), ["closed_by_operator"]);
    assertEquals(
      (await fleet.flags.listFlags({ kind: "implausible_energy", limit: 10 })).map((f) => f.transactionId),
      [leaping],
    );
    assertEquals((await store.getTransaction(corrected))?.energyWh, 3500);
  });

  test("the flags of active transactions are found from the active ones, the oldest as well as the newest", async ({ fleet, store }) => {
    for (const cp of ["CP-1", "CP-2"]) await store.putChargePoint(emptyRecord(cp, new Date(T0)));
    const flag = (transactionId: number, chargePointId: string, connectorId: number) => ({
      transactionId,
      kind: "open_after_reboot" as const,
      chargePointId,
      connectorId,
      at: at(60),
      details: { startedAt: at(10) },
    });
    let starts = 0;
    // Each at its own time: the same start twice is a replay of the first.
    const start = async (chargePointId: string, connectorId: number) =>
      (await store.startTransaction(startInput({ chargePointId, connectorId, timestamp: at(10 + ++starts) })))
        .transaction.transactionId;
    // The oldest: flagged and still active.
    const oldest = await start("CP-1", 1);
    assert(await fleet.flags.addFlag(flag(oldest, "CP-1", 1)));
    // Newer ones flagged and finished since, more of them than the limit asked for.
    for (let i = 0; i < 12; i++) {
      const id = await start("CP-1", 2);
      assert(await fleet.flags.addFlag(flag(id, "CP-1", 2)));
      assertEquals(
        (await store.stopTransaction(stopInput(id, { timestamp: at(40 + i) }))).outcome,
        "stopped",
      );
    }
    // Active, flagged only as closed by an operator (another kind); active and not flagged.
    const otherKind = await start("CP-2", 1);
    assert(await fleet.flags.addFlag({ ...flag(otherKind, "CP-2", 1), kind: "closed_by_operator" }));
    await start("CP-2", 3);
    const newest = await start("CP-2", 2);
    assert(await fleet.flags.addFlag(flag(newest, "CP-2", 2)));

    const ids = async (query: { chargePointId?: string; limit: number; running?: number[] }) =>
      (await fleet.flags.listActiveFlags({ kind: "open_after_reboot", ...query })).map((f) =>
        f.transactionId
      );
    assertEquals(await ids({ limit: 5 }), [newest, oldest]);
    assertEquals(await ids({ limit: 1 }), [newest]);
    // The running sessions' ids given (the overview read them): the same answer, those not running left out.
    const running = (await store.listTransactions({ status: "active", limit: 100 })).map((t) =>
      t.transactionId
    );
    assertEquals(await ids({ limit: 5, running }), [newest, oldest]);
    assertEquals(await ids({ limit: 5, running: running.filter((id) => id !== newest) }), [oldest]);
    assertEquals(await ids({ limit: 5, running: [] }), []);
    assertEquals(await ids({ chargePointId: "CP-1", limit: 5 }), [oldest]);
    assertEquals(await ids({ chargePointId: "CP-3", limit: 5 }), []);
    assertEquals(
      await fleet.flags.listActiveFlags({ kind: "open_after_reboot", chargePointId: "CP-1", limit: 5 }),
      [flag(oldest, "CP-1", 1)],
    );
    assertEquals(
      (await fleet.flags.listActiveFlags({ kind: "closed_by_operator", limit: 5 })).map((f) =>
        f.transactionId
      ),
      [otherKind],
    );
    // More running sessions than flags (a store may then read the flags first): the same answer.
    await store.putChargePoint(emptyRecord("CP-3", new Date(T0)));
    for (let connectorId = 1; connectorId <= 20; connectorId++) await start("CP-3", connectorId);
    assertEquals(await ids({ limit: 5 }), [newest, oldest]);
    assertEquals(await ids({ chargePointId: "CP-3", limit: 5 }), []);
  });

  test("retention deletes old meter values, status history and command log entries in batches, nothing newer", async ({ fleet, store }) => {
    const now = T0;
    const day = 86_400_000;
    for (const cp of ["CP-1", "CP-2"]) await store.putChargePoint(emptyRecord(cp, new Date(now)));
    const tx = await store.startTransaction({
      chargePointId: "CP-1",
      connectorId: 1,
      idTag: "TAG",
      idTagStatus: "Accepted",
      meterStart: 0,
      timestamp: new Date(now - 40 * day).toISOString(),
      reservationId: null,
      receivedAt: new Date(now - 40 * day).toISOString(),
    });
    const row = (cp: string, daysAgo: number, value: string, transactionId: number | null): MeterValueRow => {
      const when = new Date(now - daysAgo * day).toISOString();
      return meterRow({ chargePointId: cp, transactionId, value, timestamp: when, receivedAt: when });
    };
    const rows: MeterValueRow[] = [];
    for (let i = 0; i < 30; i++) {
      rows.push(
        row(i % 2 ? "CP-1" : "CP-2", 31 + i / 10, `${i}`, i % 2 ? tx.transaction.transactionId : null),
      );
    }
    rows.push(row("CP-1", 1, "fresh-1", tx.transaction.transactionId), row("CP-2", 2, "fresh-2", null));
    assertEquals(await store.addMeterValues(rows), 32);
    for (let i = 0; i < 12; i++) {
      const receivedAt = new Date(now - (i < 10 ? 40 : 1) * day + i).toISOString();
      await store.appendStatusHistory({
        chargePointId: i % 2 ? "CP-1" : "CP-2",
        connectorId: 1,
        status: "Available",
        errorCode: "NoError",
        timestamp: receivedAt,
        receivedAt,
      });
    }
    const cutoff = new Date(now - 30 * day).toISOString();
    assertEquals(await pruneAll((batch) => fleet.retention.pruneMeterValues(cutoff, batch), 7), 30);
    assertEquals((await store.listMeterValuesByChargePoint("CP-1", 100)).map((r) => r.value), ["fresh-1"]);
    assertEquals((await store.listMeterValuesByChargePoint("CP-2", 100)).map((r) => r.value), ["fresh-2"]);
    assertEquals(
      (await store.listMeterValuesByTransaction(tx.transaction.transactionId)).map((r) => r.value),
      [
        "fresh-1",
      ],
    );
    assertEquals(await pruneAll((batch) => fleet.retention.pruneStatusHistory(cutoff, batch), 4), 10);
    const left = [
      ...await store.listStatusHistory("CP-1", 100),
      ...await store.listStatusHistory("CP-2", 100),
    ];
    assertEquals(left.length, 2);
    assertExists(left.find((s) => s.chargePointId === "CP-1"));
    assertNotEquals(left[0]?.receivedAt.slice(0, 10), new Date(now - 40 * day).toISOString().slice(0, 10));
    // A pruned report is gone with what kept it once: the same report, sent again, is stored again.
    const old = new Date(now - 40 * day).toISOString();
    const again = { chargePointId: "CP-2", connectorId: 1, status: "Available" as const, timestamp: old };
    await store.appendStatusHistory({
      ...again,
      errorCode: "NoError",
      receivedAt: new Date(now).toISOString(),
    });
    assertEquals((await store.listStatusHistory("CP-2", 100)).length, 2);

    for (let i = 0; i < 9; i++) {
      const requestedAt = new Date(now - (i < 6 || i === 8 ? 40 : 1) * day + i).toISOString();
      await store.appendCommandLog({
        id: `cmd-${i}`,
        // The last for an id no station record has: an operator addressed a station never seen.
        chargePointId: i === 8 ? "CP-NEVER" : i % 2 ? "CP-1" : "CP-2",
        action: "GetLocalListVersion",
        payload: {},
        requestedBy: "system:local-list",
        requestedAt,
        outcome: "accepted",
        response: { listVersion: 1 },
        finishedAt: requestedAt,
      });
    }
    assertEquals(await pruneAll((batch) => fleet.retention.pruneCommandLog(cutoff, batch), 4), 7);
    assertEquals(await store.listCommandLog("CP-NEVER", 10), []);
    assertEquals((await store.listCommandLog("CP-1", 10)).map((e) => e.id), ["cmd-7"]);
    assertEquals((await store.listCommandLog("CP-2", 10)).map((e) => e.id), ["cmd-6"]);
  });

  test("status history retention also deletes old file transfer statuses, nothing newer", async ({ fleet, store }) => {
    // A station may send (Signed)FirmwareStatusNotification, DiagnosticsStatusNotification and
    // LogStatusNotification without end: their history is status history, kept as long.
    const now = T0;
    const day = 86_400_000;
    for (const cp of ["CP-1", "CP-2"]) await store.putChargePoint(emptyRecord(cp, new Date(now)));
    for (let i = 0; i < 11; i++) {
      const receivedAt = new Date(now - (i < 9 ? 40 : 1) * day + i).toISOString();
      const chargePointId = i % 2 ? "CP-1" : "CP-2";
      const fileStatus = [{
        chargePointId,
        kind: "firmware" as const,
        status: `S${i}`,
        requestId: null,
        receivedAt,
      }];
      assert((await store.commit({ chargePointId, fileStatus })).ok);
    }
    await store.appendStatusHistory({
      chargePointId: "CP-1",
      connectorId: 1,
      status: "Available",
      errorCode: "NoError",
      timestamp: new Date(now - 40 * day).toISOString(),
      receivedAt: new Date(now - 40 * day).toISOString(),
    });
    const cutoff = new Date(now - 30 * day).toISOString();
    assertEquals(await pruneAll((batch) => fleet.retention.pruneStatusHistory(cutoff, batch), 4), 10);
    assertEquals((await store.listFileStatus("CP-1", 100)).map((e) => e.status), ["S9"]);
    assertEquals((await store.listFileStatus("CP-2", 100)).map((e) => e.status), ["S10"]);
    assertEquals(await store.listStatusHistory("CP-1", 100), []);
  });
}

/** Runs a retention prune in batches of `batch` until one deletes nothing, each within its bound; the total. */
async function pruneAll(prune: (batch: number) => Promise<number>, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await prune(batch);
    assert(n <= batch, `a batch deleted ${n}`);
    if (n === 0) return total;
    total += n;
  }
}

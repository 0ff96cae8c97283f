import { assertEquals } from "@std/assert";
import { EventBus } from "../actors/events.ts";
import { createMemoryLogger } from "../logger.ts";
import type { JobRecord, JobStore } from "../store/fleet.ts";
import { openKvFleetStore } from "../store/kv/fleet.ts";
import type { FleetEvent } from "./events.ts";
import { JobRunner } from "./job_runner.ts";
import type { CommandRequest } from "./command_sender.ts";
import { CommandNotLoggedError, CommandNotSentError, SendMarkError } from "../actors/errors.ts";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

function campaign(id: string, deadlineMs: number): JobRecord {
  return {
    id,
    action: "UpdateFirmware",
    payload: { location: "https://fw.example.com/v2.bin", retrieveDate: new Date(T0).toISOString() },
    force: false,
    target: { kind: "chargePointIds" },
    concurrency: 10,
    state: "running",
    total: 3,
    campaign: { deadline: new Date(T0 + deadlineMs).toISOString() },
    createdBy: "user:root",
    createdAt: new Date(T0).toISOString(),
    finishedAt: null,
  };
}

Deno.test("JobRunner: a firmware campaign waits for each station's status until Installed, a failure or the deadline", async () => {
  const fleet = await openKvFleetStore(":memory:");
  let now = T0;
  const events = new EventBus<FleetEvent>();
  const seen: FleetEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const finished: string[] = [];
  const runner = new JobRunner({
    jobs: fleet.jobs,
    events,
    now: () => new Date(now),
    holder: "test",
    logger: createMemoryLogger(),
    leaseMs: 60_000,
    onFinished: (job) => finished.push(job.id),
    // CP-3 is offline: it never waits.
    send: (r) =>
      Promise.resolve(
        r.chargePointId === "CP-3"
          ? { outcome: "not_connected", response: null }
          : { outcome: "accepted", response: {} },
      ),
  });
  try {
    await fleet.jobs.createJob(campaign("FW", 3_600_000), ["CP-1", "CP-2", "CP-3", "CP-4"]);
    await runner.tick();
    await runner.drain();
    const counts = await fleet.jobs.countTasks("FW");
    assertEquals([counts.waiting, counts.done], [3, 1], "accepted stations wait for their firmware");

    await runner.firmwareStatus("CP-1", "Downloading", new Date(now).toISOString());
    assertEquals((await fleet.jobs.getTask("FW", "CP-1"))?.firmwareStatus, "Downloading");
    await runner.firmwareStatus("CP-1", "Installed", new Date(now).toISOString());
    await runner.firmwareStatus("CP-2", "DownloadFailed", new Date(now).toISOString());
    // A status from a station that is not in a campaign changes nothing.
    await runner.firmwareStatus("CP-9", "Installed", new Date(now).toISOString());
    assertEquals((await fleet.jobs.getJob("FW"))?.state, "running", "CP-4 still waits");

    // CP-4 never says: the deadline ends it.
    now += 3_600_001;
    await runner.tick();
    const job = await fleet.jobs.getJob("FW");
    assertEquals(job?.state, "finished");
    const tasks = Object.fromEntries(
      (await fleet.jobs.listTasks("FW", { limit: 10 })).map((
        t,
      ) => [t.chargePointId, [t.outcome, t.result, t.firmwareStatus]]),
    );
    assertEquals(tasks, {
      "CP-1": ["accepted", "installed", "Installed"],
      "CP-2": ["accepted", "failed", "DownloadFailed"],
      "CP-3": ["not_connected", null, null],
      "CP-4": ["accepted", "timed_out", ""],
    });
    assertEquals((await fleet.jobs.countTasks("FW")).results, { installed: 1, failed: 1, timed_out: 1 });
    assertEquals(finished, ["FW"]);
    const last = seen.at(-1);
    assertEquals(last?.type === "job" ? [last.job.state, last.task] : null, ["finished", null]);
  } finally {
    await fleet.close();
  }
});

function resetJob(id: string, total: number): JobRecord {
  return {
    id,
    action: "Reset",
    payload: { type: "Soft" },
    force: false,
    target: { kind: "chargePointIds" },
    concurrency: 10,
    state: "running",
    total,
    campaign: null,
    createdBy: "user:root",
    createdAt: new Date(T0).toISOString(),
    finishedAt: null,
  };
}

Deno.test("JobRunner: a process that stops gives back the tasks it never sent, another sends each of them once, and what it sent is never sent again", async () => {
  const fleet = await openKvFleetStore(":memory:");
  let now = T0;
  const sentByA: string[] = [];
  // What the registry does as the stations close: a CALL on the wire loses its answer (timeout); one still
  // queued behind another command of the station is refused not connected (never sent).
  const closing: (() => void)[] = [];
  const onTheWire = new Set(["CP-1", "CP-2"]);
  // The process begins to stop while it claims J-2's tasks.
  const jobsOfA: JobStore = Object.create(fleet.jobs);
  jobsOfA.claimTasks = async (...args) => {
    const claimed = await fleet.jobs.claimTasks(...args);
    if (args[0] === "J-2") a.stopSending();
    return claimed;
  };
  const a = new JobRunner({
    jobs: jobsOfA,
    events: new EventBus<FleetEvent>(),
    now: () => new Date(now),
    holder: "node-a",
    logger: createMemoryLogger(),
    leaseMs: 120_000,
    send: (r) => {
      sentByA.push(r.chargePointId);
      return new Promise((resolve) =>
        closing.push(() =>
          resolve(
            onTheWire.has(r.chargePointId)
              ? { outcome: "timeout", response: { reason: "connection closed after the command was sent" } }
              : { outcome: "not_connected", response: null },
          )
        )
      );
    },
  });
  const sentByB: string[] = [];
  const b = new JobRunner({
    jobs: fleet.jobs,
    events: new EventBus<FleetEvent>(),
    now: () => new Date(now),
    holder: "node-b",
    logger: createMemoryLogger(),
    leaseMs: 120_000,
    send: (r) => {
      sentByB.push(r.chargePointId);
      return Promise.resolve({ outcome: "accepted", response: {} });
    },
  });
  const states = async (jobId: string) =>
    Object.fromEntries(
      (await fleet.jobs.listTasks(jobId, { limit: 10 })).map((t) => [t.chargePointId, [t.state, t.outcome]]),
    );
  try {
    await fleet.jobs.createJob(resetJob("J-1", 4), ["CP-1", "CP-2", "CP-3", "CP-4"]);
    await fleet.jobs.createJob(resetJob("J-2", 2), ["CP-5", "CP-6"]);
    await a.tick();
    assertEquals(sentByA, ["CP-1", "CP-2", "CP-3", "CP-4"], "J-2's tasks were claimed, not sent");
    // What a stop cut short here would leave to the claims' lapse: J-1's four sent commands at least.
    assertEquals(a.claimsHeld.tasks >= 4, true, JSON.stringify(a.claimsHeld));
    for (const close of closing.splice(0)) close();
    await a.drain();
    assertEquals(a.claimsHeld, { jobs: 0, tasks: 0 });
    await a.tick();
    assertEquals(sentByA.length, 4, "a stopping process claims nothing more");
    assertEquals(await states("J-1"), {
      "CP-1": ["done", "timeout"],
      "CP-2": ["done", "timeout"],
      "CP-3": ["pending", null],
      "CP-4": ["pending", null],
    });
    assertEquals(await states("J-2"), { "CP-5": ["pending", null], "CP-6": ["pending", null] });

    // Another process (or this one restarted), past the stopped one's lease.
    now += 121_000;
    await b.tick();
    await b.drain();
    await b.tick();
    assertEquals(sentByB.toSorted(), ["CP-3", "CP-4", "CP-5", "CP-6"], "each unsent task once, no sent one");
    assertEquals(await states("J-1"), {
      "CP-1": ["done", "timeout"],
      "CP-2": ["done", "timeout"],
      "CP-3": ["done", "accepted"],
      "CP-4": ["done", "accepted"],
    });
    assertEquals(
      (await fleet.jobs.getTask("J-2", "CP-5"))?.attempts,
      1,
      "the claim never sent is no attempt",
    );
    assertEquals([(await fleet.jobs.getJob("J-1"))?.state, (await fleet.jobs.getJob("J-2"))?.state], [
      "finished",
      "finished",
    ]);
  } finally {
    await fleet.close();
  }
});

Deno.test("JobRunner: a tick that is under way when the process stops claims nothing more", async () => {
  const fleet = await openKvFleetStore(":memory:");
  const claimedFor: string[] = [];
  const jobs: JobStore = Object.create(fleet.jobs);
  // The process begins to stop while the tick reads the running jobs.
  jobs.listRunningJobs = async () => {
    const running = await fleet.jobs.listRunningJobs();
    runner.stopSending();
    return running;
  };
  jobs.claimTasks = (...args) => {
    claimedFor.push(args[0]);
    return fleet.jobs.claimTasks(...args);
  };
  const sent: string[] = [];
  const runner = new JobRunner({
    jobs,
    events: new EventBus<FleetEvent>(),
    now: () => new Date(T0),
    holder: "node-a",
    logger: createMemoryLogger(),
    leaseMs: 120_000,
    send: (r) => {
      sent.push(r.chargePointId);
      return Promise.resolve({ outcome: "accepted", response: {} });
    },
  });
  try {
    await fleet.jobs.createJob(resetJob("J-1", 2), ["CP-1", "CP-2"]);
    await fleet.jobs.createJob(resetJob("J-2", 1), ["CP-3"]);
    await runner.tick();
    await runner.drain();
    assertEquals(claimedFor, [], "no claim after stopSending()");
    assertEquals(sent, []);
    const states = (await fleet.jobs.listTasks("J-1", { limit: 10 })).map((t) => [t.state, t.attempts]);
    assertEquals(states, [["pending", 0], ["pending", 0]]);
  } finally {
    await fleet.close();
  }
});

Deno.test("JobRunner: after a process dies, another sends the tasks whose CALL it never marked, and those it marked end timeout", async () => {
  const fleet = await openKvFleetStore(":memory:");
  let now = T0;
  const asked: CommandRequest[] = [];
  // Node A's stations: CP-1's CALL leaves (marked by the node holding it), CP-2's waits behind another command
  // of its station; then A dies (its sends never settle).
  const a = new JobRunner({
    jobs: fleet.jobs,
    events: new EventBus<FleetEvent>(),
    now: () => new Date(now),
    holder: "node-a",
    logger: createMemoryLogger(),
    leaseMs: 120_000,
    send: async (r) => {
      asked.push(r);
      if (r.chargePointId === "CP-1") {
        await fleet.jobs.markTaskSent(
          r.mark!.jobId,
          r.chargePointId,
          r.mark!.holder,
          new Date(now).toISOString(),
        );
      }
      return await new Promise<never>(() => {});
    },
  });
  const sentByB: string[] = [];
  const b = new JobRunner({
    jobs: fleet.jobs,
    events: new EventBus<FleetEvent>(),
    now: () => new Date(now),
    holder: "node-b",
    logger: createMemoryLogger(),
    leaseMs: 120_000,
    send: async (r) => {
      sentByB.push(r.chargePointId);
      await fleet.jobs.markTaskSent(
        r.mark!.jobId,
        r.chargePointId,
        r.mark!.holder,
        new Date(now).toISOString(),
      );
      return { outcome: "accepted", response: {} };
    },
  });
  try {
    await fleet.jobs.createJob(resetJob("J-1", 2), ["CP-1", "CP-2"]);
    await a.tick();
    await new Promise((r) => setTimeout(r, 10));
    assertEquals(asked.map((r) => [r.chargePointId, r.mark]), [
      ["CP-1", { jobId: "J-1", holder: "node-a" }],
      ["CP-2", { jobId: "J-1", holder: "node-a" }],
    ]);
    now += 60_000;
    await b.tick();
    assertEquals(sentByB, [], "nothing is taken from a live claim");
    now += 61_000;
    await b.tick();
    await b.drain();
    await b.tick();
    assertEquals(sentByB, ["CP-2"], "only the task never marked is sent again");
    const tasks = Object.fromEntries(
      (await fleet.jobs.listTasks("J-1", { limit: 10 })).map((
        t,
      ) => [t.chargePointId, [t.outcome, t.attempts]]),
    );
    assertEquals(tasks, { "CP-1": ["timeout", 1], "CP-2": ["accepted", 1] });
    assertEquals((await fleet.jobs.getJob("J-1"))?.state, "finished");
  } finally {
    await fleet.close();
  }
});

const NEVER_SENT: [string, Error][] = [
  ["its send mark was not written", new SendMarkError("CP-1", "Reset", "its send mark could not be written")],
  ["its command log row was not written", new CommandNotLoggedError("CP-1", "Reset", "connection refused")],
  [
    "its id tag could not be checked",
    new CommandNotSentError("CP-1", "RemoteStartTransaction", 'id tag "T" could not be checked (timeout)'),
  ],
];

for (const [why, error] of NEVER_SENT) {
  Deno.test(`JobRunner: a command never sent because ${why} is given back at once, never recorded`, async () => {
    const fleet = await openKvFleetStore(":memory:");
    const runner = new JobRunner({
      jobs: fleet.jobs,
      events: new EventBus<FleetEvent>(),
      now: () => new Date(T0),
      holder: "node-a",
      logger: createMemoryLogger(),
      leaseMs: 120_000,
      send: () => Promise.reject(error),
    });
    try {
      await fleet.jobs.createJob(resetJob("J-1", 1), ["CP-1"]);
      await runner.tick();
      await runner.drain();
      const task = await fleet.jobs.getTask("J-1", "CP-1");
      assertEquals([task?.state, task?.outcome, task?.attempts, task?.sentAt], ["pending", null, 0, null]);
    } finally {
      await fleet.close();
    }
  });
}

Deno.test("JobRunner: statuses a station reported before its task waited are read back, older and other requests' left out", async () => {
  const fleet = await openKvFleetStore(":memory:");
  const now = T0;
  const at = (ms: number) => new Date(T0 + ms).toISOString();
  const entry = (status: string, ms: number, requestId: number | null) => ({
    chargePointId: "CP-1",
    kind: "signedFirmware" as const,
    status,
    requestId,
    receivedAt: at(ms),
  });
  // The history newest first, as the store lists it: the last two came between the answer and the waiting.
  const history = [
    entry("InvalidSignature", 2, 7),
    entry("Downloading", 1, 7),
    entry("Installed", 1, 99),
    entry("Installed", -1, 7),
  ];
  const runner = new JobRunner({
    jobs: fleet.jobs,
    events: new EventBus<FleetEvent>(),
    now: () => new Date(now),
    holder: "test",
    logger: createMemoryLogger(),
    leaseMs: 60_000,
    send: () => Promise.resolve({ outcome: "accepted", response: { status: "Accepted" } }),
    fileStatus: { listFileStatus: () => Promise.resolve(history) },
  });
  try {
    await fleet.jobs.createJob(
      { ...campaign("SFW", 3_600_000), action: "SignedUpdateFirmware", payload: { requestId: 7 }, total: 1 },
      ["CP-1"],
    );
    await runner.tick();
    await runner.drain();
    const task = await fleet.jobs.getTask("SFW", "CP-1");
    assertEquals([task?.state, task?.result, task?.firmwareStatus], ["done", "failed", "InvalidSignature"]);
    assertEquals((await fleet.jobs.getJob("SFW"))?.state, "finished");
  } finally {
    fleet.close();
  }
});

import { assertEquals } from "@std/assert";
import { EventBus } from "../actors/events.ts";
import { createMemoryLogger } from "../logger.ts";
import type { JobRecord } from "../store/fleet.ts";
import { openKvFleetStore } from "../store/kv/fleet.ts";
import type { FleetEvent } from "./events.ts";
import { JobRunner } from "./job_runner.ts";

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

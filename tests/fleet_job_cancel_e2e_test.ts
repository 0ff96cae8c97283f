/**
 * Cancelling a job, end to end (a real server, strict stations, a webhook receiver on loopback): the cancel
 * finishes the job for `job.finished` webhooks too, once, also when a command still in flight lands later.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { startReceiver } from "./helpers/webhook_receiver.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("a cancelled job sends one job.finished webhook, state cancelled, though a command lands after", async () => {
  const receiver = startReceiver();
  const server = await startApiServer({
    FLEET_POLL_MS: "30",
    CALL_TIMEOUT_MS: "5000",
    WEBHOOK_ALLOW_LOOPBACK: "true",
  });
  let answer = () => {};
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const slow = await connectStation(server.wsUrl, "CP-1-SLOW");
  slow.handle("ClearCache", async () => (await answered, { status: "Accepted" }));
  const other = await connectStation(server.wsUrl, "CP-2-OTHER");
  other.handle("ClearCache", () => ({ status: "Accepted" }));
  try {
    const hook = await server.json("/api/v1/webhooks", {
      method: "POST",
      body: { url: receiver.url, events: ["job.finished"] },
    });
    assertEquals(hook.status, 201);
    const created = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      // Concurrency 1, in id order: CP-1-SLOW is in flight, CP-2-OTHER waits.
      body: { action: "ClearCache", chargePointIds: ["CP-1-SLOW", "CP-2-OTHER"], concurrency: 1 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    const jobId = created.body.id as string;
    await eventually(
      async () => (await server.json(`/api/v1/jobs/${jobId}`)).body.counts.running === 1,
      5000,
      "CP-1-SLOW's command in flight",
    );

    const cancelled = await server.json(`/api/v1/jobs/${jobId}/cancel`, { method: "POST", as: "operator" });
    assertEquals(cancelled.status, 200);
    assertEquals([cancelled.body.state, cancelled.body.counts.running], ["cancelled", 1]);
    const finishedAt = cancelled.body.finishedAt as string;
    const again = await server.json(`/api/v1/jobs/${jobId}/cancel`, { method: "POST", as: "operator" });
    assertEquals(again.body.finishedAt, finishedAt, "a second cancel changes nothing");

    const finishedHooks = () =>
      receiver.received.map((r) => JSON.parse(r.body)).filter((p: Json) => p.data.jobId === jobId);
    await eventually(() => finishedHooks().length > 0, 5000, "the job.finished webhook");
    answer();
    await eventually(
      async () => (await server.json(`/api/v1/jobs/${jobId}`)).body.counts.outcomes.accepted === 1,
      5000,
      "CP-1-SLOW's answer in the job",
    );
    const job = (await server.json(`/api/v1/jobs/${jobId}`)).body;
    assertEquals([job.state, job.finishedAt, job.counts.running], ["cancelled", finishedAt, 0]);
    // Time for a second webhook, were the landing outcome to finish the job again.
    await new Promise((r) => setTimeout(r, 500));
    const hooks = finishedHooks();
    assertEquals(hooks.length, 1, JSON.stringify(hooks));
    assertEquals(hooks[0].type, "job.finished");
    assertEquals(hooks[0].at, finishedAt);
    assertEquals([hooks[0].data.state, hooks[0].data.outcomes], ["cancelled", { cancelled: 1 }]);
  } finally {
    answer();
    await closeStation(slow);
    await closeStation(other);
    await server.close();
    await receiver.close();
  }
});

/** The KV JobStore's atomics against each other, where the order of their reads matters. */
import { assertEquals } from "@std/assert";
import type { JobRecord } from "../fleet.ts";
import { KvJobStore } from "./jobs.ts";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function job(id: string): JobRecord {
  return {
    id,
    action: "Reset",
    payload: { type: "Soft" },
    state: "running",
    concurrency: 1,
    total: 1,
    createdBy: "user:root",
    createdAt: at(0),
    finishedAt: null,
    force: false,
    target: { kind: "chargePointIds" },
    campaign: null,
  };
}

/** `kv`, running `meanwhile` once, right after the first listing of keys under `prefix` is read. */
function kvPausingAfterList(kv: Deno.Kv, prefix: Deno.KvKey, meanwhile: () => Promise<void>): Deno.Kv {
  let done = false;
  return new Proxy(kv, {
    get(target, name) {
      if (name !== "list") {
        const value = Reflect.get(target, name, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
        const inner = target.list(selector, options);
        const matches = "prefix" in selector && JSON.stringify(selector.prefix) === JSON.stringify(prefix);
        if (done || !matches) return inner;
        done = true;
        return (async function* () {
          const entries = [];
          for await (const entry of inner) entries.push(entry);
          await meanwhile();
          yield* entries;
        })();
      };
    },
  });
}

Deno.test("a job is not finished while a claim released meanwhile left its task pending", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const jobs = new KvJobStore(kv);
    await jobs.createJob(job("J-1"), ["CP-1"]);
    const [task] = await jobs.claimTasks("J-1", "w1", at(1), at(61), 1);
    // Another worker finishes the job while this one, stopping, gives its claim back: its task goes from held
    // to pending after the finish looked for pending tasks and before it looked for held ones.
    const racing = new KvJobStore(
      kvPausingAfterList(kv, ["job_pending", "J-1"], async () => {
        assertEquals(await jobs.releaseClaims("J-1", [task!.chargePointId], "w1"), 1);
      }),
    );
    await racing.finishJobIfDone("J-1", at(2));
    assertEquals((await jobs.getJob("J-1"))?.state, "running", "a job with a pending task still runs");
    assertEquals((await jobs.claimTasks("J-1", "w2", at(3), at(63), 1)).length, 1, "its task is sent");
  } finally {
    kv.close();
  }
});

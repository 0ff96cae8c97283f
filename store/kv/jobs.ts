/**
 * The JobStore on Deno KV.
 *
 * Layout: `["job", id]` JobRecord; `["job_running", id]` while it runs; `["job_task", jobId, cpId]`
 * JobTaskRecord, with pointers by state: `["job_pending", jobId, cpId]`, `["job_held", jobId, cpId]` -> claim
 * expiry (running), `["job_waiting", jobId, cpId]` and `["job_wait_cp", cpId, jobId]` (campaigns).
 *
 * A claim checks the job entry and rewrites it in the same atomic, so claims of one job are serialised: two
 * workers never both take a task, nor exceed the job's concurrency together. Retry and finish check it too.
 */
import type {
  JobRecord,
  JobStore,
  JobTaskRecord,
  TaskCounts,
  TaskOutcome,
  TaskState,
  TaskUpdate,
} from "../fleet.ts";
import { ATOMIC_CHECKS, ATOMIC_MUTATIONS, getMany, listAll, retryAtomic } from "./kv_helpers.ts";

const jobKey = (id: string): Deno.KvKey => ["job", id];
const runningKey = (id: string): Deno.KvKey => ["job_running", id];
const taskKey = (jobId: string, cp: string): Deno.KvKey => ["job_task", jobId, cp];
const pendingKey = (jobId: string, cp: string): Deno.KvKey => ["job_pending", jobId, cp];
const heldKey = (jobId: string, cp: string): Deno.KvKey => ["job_held", jobId, cp];
const waitingKey = (jobId: string, cp: string): Deno.KvKey => ["job_waiting", jobId, cp];
const waitByCpKey = (cp: string, jobId: string): Deno.KvKey => ["job_wait_cp", cp, jobId];

/**
 * Tasks written per atomic: a task is its record and one pointer, and a retry or cancel checks each task once
 * (an atomic of 150 failed to commit past 100 tasks: the job stayed as it was).
 */
const TASKS_PER_ATOMIC = Math.min(Math.floor(ATOMIC_MUTATIONS / 2), ATOMIC_CHECKS);
/** Tasks claimed per atomic: a claim checks the job and, per task, its pointer and its record. */
const TASKS_PER_CLAIM = Math.floor((ATOMIC_CHECKS - 1) / 2);

function newTask(jobId: string, chargePointId: string): JobTaskRecord {
  return {
    jobId,
    chargePointId,
    state: "pending",
    outcome: null,
    response: null,
    attempts: 0,
    claimedBy: null,
    claimUntil: null,
    startedAt: null,
    sentAt: null,
    finishedAt: null,
    firmwareStatus: null,
    result: null,
  };
}

/** A task as stored; those stored before `sentAt` existed were never marked. */
function readTask(stored: JobTaskRecord): JobTaskRecord {
  return stored.sentAt === undefined ? { ...stored, sentAt: null } : stored;
}

export class KvJobStore implements JobStore {
  constructor(private readonly kv: Deno.Kv) {}

  async createJob(job: JobRecord, chargePointIds: readonly string[]): Promise<void> {
    for (let i = 0; i < chargePointIds.length; i += TASKS_PER_ATOMIC) {
      const op = this.kv.atomic();
      for (const cp of chargePointIds.slice(i, i + TASKS_PER_ATOMIC)) {
        op.set(taskKey(job.id, cp), newTask(job.id, cp)).set(pendingKey(job.id, cp), true);
      }
      await commitOrThrow(op, `Cannot store the tasks of job "${job.id}"`);
    }
    // Last: the job becomes visible (and workable) only with all its tasks in place.
    const op = this.kv.atomic().check({ key: jobKey(job.id), versionstamp: null }).set(jobKey(job.id), job);
    if (job.state === "running") op.set(runningKey(job.id), true);
    await commitOrThrow(op, `Cannot store job "${job.id}": the id is taken`);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return (await this.kv.get<JobRecord>(jobKey(id))).value;
  }

  async listJobs(page: { before?: string; limit: number }): Promise<JobRecord[]> {
    const selector: Deno.KvListSelector = page.before === undefined
      ? { prefix: ["job"] }
      : { prefix: ["job"], end: jobKey(page.before) };
    return (await listAll<JobRecord>(this.kv, selector, { reverse: true, limit: page.limit })).map((e) =>
      e.value
    );
  }

  async listRunningJobs(): Promise<JobRecord[]> {
    const ids = (await listAll(this.kv, { prefix: ["job_running"] })).map((e) => e.key[1] as string);
    const jobs = await getMany<JobRecord>(this.kv, ids.map(jobKey));
    return jobs.flatMap((e) => (e.value && e.value.state === "running" ? [e.value] : []));
  }

  async getTask(jobId: string, chargePointId: string): Promise<JobTaskRecord | null> {
    const task = (await this.kv.get<JobTaskRecord>(taskKey(jobId, chargePointId))).value;
    return task && readTask(task);
  }

  async listTasks(
    jobId: string,
    page: { after?: string; limit: number; state?: TaskState },
  ): Promise<JobTaskRecord[]> {
    const prefix = ["job_task", jobId];
    const out: JobTaskRecord[] = [];
    const selector: Deno.KvListSelector = page.after === undefined
      ? { prefix }
      : { prefix, start: [...prefix, page.after + "\0"] };
    for await (const entry of this.kv.list<JobTaskRecord>(selector, { batchSize: 500 })) {
      if (page.state === undefined || entry.value.state === page.state) out.push(readTask(entry.value));
      if (out.length >= page.limit) break;
    }
    return out;
  }

  async countTasks(jobId: string): Promise<TaskCounts> {
    const counts: TaskCounts = { pending: 0, running: 0, waiting: 0, done: 0, outcomes: {}, results: {} };
    for await (
      const entry of this.kv.list<JobTaskRecord>({ prefix: ["job_task", jobId] }, { batchSize: 500 })
    ) {
      const t = entry.value;
      counts[t.state]++;
      if (t.outcome !== null && t.state !== "pending") {
        counts.outcomes[t.outcome] = (counts.outcomes[t.outcome] ?? 0) + 1;
      }
      if (t.result !== null) counts.results[t.result] = (counts.results[t.result] ?? 0) + 1;
    }
    return counts;
  }

  claimTasks(
    jobId: string,
    holder: string,
    now: string,
    until: string,
    max: number,
  ): Promise<JobTaskRecord[]> {
    return retryAtomic(`claim tasks of job "${jobId}"`, async () => {
      const job = await this.kv.get<JobRecord>(jobKey(jobId));
      if (!job.value || job.value.state !== "running") return [];
      const held = await listAll<string>(this.kv, { prefix: ["job_held", jobId] });
      const busy = held.filter((e) => e.value > now).length;
      const free = Math.min(max, job.value.concurrency - busy, TASKS_PER_CLAIM);
      if (free <= 0) return [];
      const pending = await listAll(this.kv, { prefix: ["job_pending", jobId] }, { limit: free });
      if (pending.length === 0) return [];
      const tasks = await getMany<JobTaskRecord>(
        this.kv,
        pending.map((e) => taskKey(jobId, e.key[2] as string)),
      );
      // The job entry is rewritten, so a concurrent claim of the same job fails its check and reads again.
      const op = this.kv.atomic().check(job).set(job.key, job.value);
      const claimed: JobTaskRecord[] = [];
      for (const [i, entry] of tasks.entries()) {
        const task = entry.value;
        const pointer = pending[i]!;
        op.check(pointer).delete(pointer.key);
        if (!task || task.state !== "pending") continue;
        const next: JobTaskRecord = {
          ...task,
          state: "running",
          attempts: task.attempts + 1,
          claimedBy: holder,
          claimUntil: until,
          startedAt: now,
          sentAt: null,
        };
        op.check(entry).set(entry.key, next).set(heldKey(jobId, task.chargePointId), until);
        claimed.push(next);
      }
      return (await op.commit()).ok ? claimed : undefined;
    });
  }

  async renewClaims(
    jobId: string,
    chargePointIds: readonly string[],
    holder: string,
    until: string,
  ): Promise<number> {
    let renewed = 0;
    for (const cp of chargePointIds) {
      const ok = await retryAtomic("renew a claim", async () => {
        const entry = await this.kv.get<JobTaskRecord>(taskKey(jobId, cp));
        const task = entry.value;
        if (!task || task.state !== "running" || task.claimedBy !== holder) return false;
        const res = await this.kv.atomic().check(entry).set(entry.key, { ...task, claimUntil: until })
          .set(heldKey(jobId, cp), until).commit();
        return res.ok ? true : undefined;
      });
      if (ok) renewed++;
    }
    return renewed;
  }

  async markTaskSent(jobId: string, chargePointId: string, holder: string, at: string): Promise<boolean> {
    return await retryAtomic("mark a task sent", async () => {
      const entry = await this.kv.get<JobTaskRecord>(taskKey(jobId, chargePointId));
      const task = entry.value;
      if (!task || task.state !== "running" || task.claimedBy !== holder) return false;
      if (task.sentAt) return true;
      // Checked against the task: a give-back or finish that came first fails this write, and it looks again.
      const res = await this.kv.atomic().check(entry).set(entry.key, { ...task, sentAt: at }).commit();
      return res.ok ? true : undefined;
    });
  }

  async releaseClaims(jobId: string, chargePointIds: readonly string[], holder: string): Promise<number> {
    let released = 0;
    for (const cp of chargePointIds) {
      if (await giveBack(this.kv, jobId, cp, (task) => task.claimedBy === holder)) released++;
    }
    return released;
  }

  releaseExpiredClaim(jobId: string, chargePointId: string, now: string): Promise<boolean> {
    return giveBack(this.kv, jobId, chargePointId, (task) => (task.claimUntil ?? "") <= now);
  }

  async listExpiredClaims(jobId: string, now: string): Promise<JobTaskRecord[]> {
    const held = await listAll<string>(this.kv, { prefix: ["job_held", jobId] });
    const expired = held.filter((e) => e.value <= now).map((e) => taskKey(jobId, e.key[2] as string));
    return (await getMany<JobTaskRecord>(this.kv, expired)).flatMap((
      e,
    ) => (e.value ? [readTask(e.value)] : []));
  }

  finishTask(
    jobId: string,
    chargePointId: string,
    holder: string | null,
    now: string,
    update: TaskUpdate,
  ): Promise<boolean> {
    return retryAtomic("finish a task", async () => {
      const entry = await this.kv.get<JobTaskRecord>(taskKey(jobId, chargePointId));
      const task = entry.value;
      if (!task || task.state !== "running") return false;
      if (holder !== null ? task.claimedBy !== holder : (task.claimUntil ?? "") > now) return false;
      const next: JobTaskRecord = {
        ...task,
        state: update.state,
        outcome: update.outcome,
        response: update.response,
        finishedAt: update.finishedAt,
        claimedBy: null,
        claimUntil: null,
        ...(update.result !== undefined ? { result: update.result } : {}),
        ...(update.firmwareStatus !== undefined ? { firmwareStatus: update.firmwareStatus } : {}),
      };
      const op = this.kv.atomic().check(entry).set(entry.key, next).delete(heldKey(jobId, chargePointId));
      if (next.state === "waiting") {
        op.set(waitingKey(jobId, chargePointId), true).set(waitByCpKey(chargePointId, jobId), true);
      }
      return (await op.commit()).ok ? true : undefined;
    });
  }

  updateWaitingTask(
    jobId: string,
    chargePointId: string,
    update: { firmwareStatus: string; result: TaskUpdate["result"]; at: string },
  ): Promise<boolean> {
    return retryAtomic("update a waiting task", async () => {
      const entry = await this.kv.get<JobTaskRecord>(taskKey(jobId, chargePointId));
      const task = entry.value;
      if (!task || task.state !== "waiting") return false;
      const done = update.result !== null && update.result !== undefined;
      const next: JobTaskRecord = {
        ...task,
        firmwareStatus: update.firmwareStatus,
        ...(done ? { state: "done", result: update.result ?? null, finishedAt: update.at } : {}),
      };
      const op = this.kv.atomic().check(entry).set(entry.key, next);
      if (done) op.delete(waitingKey(jobId, chargePointId)).delete(waitByCpKey(chargePointId, jobId));
      return (await op.commit()).ok ? true : undefined;
    });
  }

  async listWaitingTasks(chargePointId: string): Promise<JobTaskRecord[]> {
    const pointers = await listAll(this.kv, { prefix: ["job_wait_cp", chargePointId] });
    const tasks = await getMany<JobTaskRecord>(
      this.kv,
      pointers.map((p) => taskKey(p.key[2] as string, chargePointId)),
    );
    return tasks.flatMap((e) => (e.value && e.value.state === "waiting" ? [readTask(e.value)] : []));
  }

  finishJobIfDone(jobId: string, at: string): Promise<JobRecord | null> {
    return retryAtomic(`finish job "${jobId}"`, async () => {
      const job = await this.kv.get<JobRecord>(jobKey(jobId));
      if (!job.value || job.value.state !== "running") return null;
      for (const prefix of ["job_pending", "job_held", "job_waiting"]) {
        const left = await listAll(this.kv, { prefix: [prefix, jobId] }, { limit: 1 });
        if (left.length > 0) return null;
      }
      const finished: JobRecord = { ...job.value, state: "finished", finishedAt: at };
      const res = await this.kv.atomic().check(job).set(job.key, finished).delete(runningKey(jobId)).commit();
      return res.ok ? finished : undefined;
    });
  }

  async retryTasks(jobId: string, outcomes: readonly TaskOutcome[]): Promise<number | null> {
    const job = await this.kv.get<JobRecord>(jobKey(jobId));
    if (!job.value) return 0;
    if (job.value.state === "cancelled") return null;
    const wanted = new Set(outcomes);
    const retryable = (t: JobTaskRecord | null): t is JobTaskRecord =>
      t !== null && t.state === "done" && t.outcome !== null && wanted.has(t.outcome);
    let count = 0;
    let batch: Deno.KvKey[] = [];
    /** Makes the batch's tasks pending, checked against the job: false when it was cancelled. */
    const flush = () =>
      retryAtomic(`retry tasks of job "${jobId}"`, async () => {
        // A cancel that came first stands; one that comes after finds these tasks pending and cancels them.
        const current = await this.kv.get<JobRecord>(jobKey(jobId));
        if (!current.value) return true;
        if (current.value.state === "cancelled") return false;
        const tasks = (await getMany<JobTaskRecord>(this.kv, batch)).filter((e) => retryable(e.value));
        const op = this.kv.atomic().check(current);
        for (const entry of tasks) {
          const t = entry.value!;
          op.check(entry).set(entry.key, {
            ...t,
            state: "pending",
            outcome: null,
            response: null,
            finishedAt: null,
            result: null,
            firmwareStatus: null,
            sentAt: null,
          }).set(pendingKey(jobId, t.chargePointId), true);
        }
        if (!(await op.commit()).ok) return undefined;
        count += tasks.length;
        return true;
      });
    for await (
      const entry of this.kv.list<JobTaskRecord>({ prefix: ["job_task", jobId] }, { batchSize: 500 })
    ) {
      if (!retryable(entry.value)) continue;
      batch.push(entry.key);
      // One check is the job's.
      if (batch.length >= TASKS_PER_ATOMIC - 1) {
        if (!(await flush())) return null;
        batch = [];
      }
    }
    if (batch.length > 0 && !(await flush())) return null;
    if (count === 0) return 0;
    // Last, so the job is never seen running without its pending tasks (it would be finished at once).
    return await retryAtomic(`run job "${jobId}" again`, async () => {
      const current = await this.kv.get<JobRecord>(jobKey(jobId));
      if (!current.value) return count;
      // Cancelled after the tasks were made pending: the cancel took them back, and the job stays cancelled.
      if (current.value.state === "cancelled") return null;
      const running: JobRecord = { ...current.value, state: "running", finishedAt: null };
      const res = await this.kv.atomic().check(current).set(current.key, running).set(runningKey(jobId), true)
        .commit();
      return res.ok ? count : undefined;
    });
  }

  async cancelJob(jobId: string, at: string): Promise<{ job: JobRecord; cancelledNow: boolean } | null> {
    const cancelled = await retryAtomic(`cancel job "${jobId}"`, async () => {
      const job = await this.kv.get<JobRecord>(jobKey(jobId));
      if (!job.value) return null;
      if (job.value.state !== "running") return { job: job.value, cancelledNow: false };
      const next: JobRecord = { ...job.value, state: "cancelled", finishedAt: at };
      const res = await this.kv.atomic().check(job).set(job.key, next).delete(runningKey(jobId)).commit();
      return res.ok ? { job: next, cancelledNow: true } : undefined;
    });
    if (!cancelled) return null;
    const pointers = await listAll(this.kv, { prefix: ["job_pending", jobId] });
    for (let i = 0; i < pointers.length; i += TASKS_PER_ATOMIC) {
      const slice = pointers.slice(i, i + TASKS_PER_ATOMIC);
      const tasks = await getMany<JobTaskRecord>(
        this.kv,
        slice.map((p) => taskKey(jobId, p.key[2] as string)),
      );
      const op = this.kv.atomic();
      for (const [j, entry] of tasks.entries()) {
        op.delete(slice[j]!.key);
        if (!entry.value || entry.value.state !== "pending") continue;
        op.check(entry).set(entry.key, {
          ...entry.value,
          state: "done",
          outcome: "cancelled",
          response: null,
          finishedAt: at,
        });
      }
      await op.commit();
    }
    return cancelled;
  }
}

/**
 * A running task never marked sent that `mine` accepts: pending again, or cancelled when the job is not running.
 * A function, not a method: tests wrap the store with Object.create, which private members do not survive.
 */
function giveBack(
  kv: Deno.Kv,
  jobId: string,
  cp: string,
  mine: (task: JobTaskRecord) => boolean,
): Promise<boolean> {
  return retryAtomic("release a claim", async () => {
    const [job, entry] = await kv.getMany<[JobRecord, JobTaskRecord]>([
      jobKey(jobId),
      taskKey(jobId, cp),
    ]);
    const task = entry.value;
    if (!task || task.state !== "running" || task.sentAt || !mine(task)) return false;
    const unclaimed = {
      ...task,
      attempts: Math.max(0, task.attempts - 1),
      claimedBy: null,
      claimUntil: null,
    };
    // The job entry is checked: a cancel that rewrote it first ends the task here, as it ended the pending.
    const op = kv.atomic().check(job, entry).delete(heldKey(jobId, cp));
    if (job.value?.state === "running") {
      // And rewritten, as a claim does: a finish that saw no pending task before this one went back, and
      // no held one after, fails its check and looks again.
      op.set(job.key, job.value).set(entry.key, { ...unclaimed, state: "pending", startedAt: null }).set(
        pendingKey(jobId, cp),
        true,
      );
    } else {
      const at = job.value?.finishedAt ?? task.startedAt;
      op.set(entry.key, {
        ...unclaimed,
        state: "done",
        outcome: "cancelled",
        response: null,
        finishedAt: at,
      });
    }
    return (await op.commit()).ok ? true : undefined;
  });
}

async function commitOrThrow(op: Deno.AtomicOperation, message: string): Promise<void> {
  if (!(await op.commit()).ok) throw new Error(message);
}

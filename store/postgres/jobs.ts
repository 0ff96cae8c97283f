/**
 * The JobStore on PostgreSQL (tables `fleet_job`, `fleet_job_task`, migration 008). A claim locks the job row
 * (`for update`) while it counts the held tasks and takes pending ones, so claims of one job are serialised
 * across processes: no task is taken twice and the concurrency holds cluster-wide.
 */
import type { Sql } from "postgres";
import type {
  CampaignResult,
  JobRecord,
  JobStore,
  JobTarget,
  JobTaskRecord,
  TaskCounts,
  TaskOutcome,
  TaskState,
  TaskUpdate,
} from "../fleet.ts";
import { iso, jsonb } from "./pg_helpers.ts";

interface JobRow {
  id: string;
  action: string;
  payload: unknown;
  force: boolean;
  target: JobTarget;
  concurrency: number;
  state: JobRecord["state"];
  total: number;
  campaign: { deadline: string } | null;
  created_by: string;
  created_at: Date;
  finished_at: Date | null;
}

interface TaskRow {
  job_id: string;
  charge_point_id: string;
  state: TaskState;
  outcome: TaskOutcome | null;
  response: unknown;
  attempts: number;
  claimed_by: string | null;
  claim_until: Date | null;
  started_at: Date | null;
  sent_at: Date | null;
  finished_at: Date | null;
  firmware_status: string | null;
  result: CampaignResult | null;
}

function toJob(r: JobRow): JobRecord {
  return {
    id: r.id,
    action: r.action,
    payload: r.payload,
    force: r.force,
    target: r.target,
    concurrency: r.concurrency,
    state: r.state,
    total: r.total,
    campaign: r.campaign,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    finishedAt: iso(r.finished_at),
  };
}

function toTask(r: TaskRow): JobTaskRecord {
  return {
    jobId: r.job_id,
    chargePointId: r.charge_point_id,
    state: r.state,
    outcome: r.outcome,
    response: r.response,
    attempts: r.attempts,
    claimedBy: r.claimed_by,
    claimUntil: iso(r.claim_until),
    startedAt: iso(r.started_at),
    sentAt: iso(r.sent_at),
    finishedAt: iso(r.finished_at),
    firmwareStatus: r.firmware_status,
    result: r.result,
  };
}

/** Tasks inserted per statement. */
const INSERT_BATCH = 1000;

export class PostgresJobStore implements JobStore {
  constructor(private readonly sql: Sql) {}

  async createJob(job: JobRecord, chargePointIds: readonly string[]): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`
        insert into fleet_job (id, action, payload, force, target, concurrency, state, total, campaign, created_by,
          created_at, finished_at)
        values (${job.id}, ${job.action}, ${jsonb(tx, job.payload)}, ${job.force}, ${jsonb(tx, job.target)},
          ${job.concurrency}, ${job.state}, ${job.total}, ${jsonb(tx, job.campaign)}, ${job.createdBy},
          ${job.createdAt}, ${job.finishedAt})`;
      for (let i = 0; i < chargePointIds.length; i += INSERT_BATCH) {
        const ids = chargePointIds.slice(i, i + INSERT_BATCH);
        await tx`
          insert into fleet_job_task (job_id, charge_point_id, state)
          select ${job.id}, unnest(${tx.array(ids as string[])}::text[]), 'pending'`;
      }
    });
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const rows = await this.sql<JobRow[]>`select * from fleet_job where id = ${id}`;
    return rows[0] ? toJob(rows[0]) : null;
  }

  async listJobs(page: { before?: string; limit: number }): Promise<JobRecord[]> {
    const rows = page.before === undefined
      ? await this.sql<JobRow[]>`select * from fleet_job order by id desc limit ${page.limit}`
      : await this.sql<JobRow[]>`
          select * from fleet_job where id < ${page.before} order by id desc limit ${page.limit}`;
    return rows.map(toJob);
  }

  async listRunningJobs(): Promise<JobRecord[]> {
    return (await this.sql<JobRow[]>`select * from fleet_job where state = 'running' order by id`).map(toJob);
  }

  async getTask(jobId: string, chargePointId: string): Promise<JobTaskRecord | null> {
    const rows = await this.sql<TaskRow[]>`
      select * from fleet_job_task where job_id = ${jobId} and charge_point_id = ${chargePointId}`;
    return rows[0] ? toTask(rows[0]) : null;
  }

  async listTasks(
    jobId: string,
    page: { after?: string; limit: number; state?: TaskState },
  ): Promise<JobTaskRecord[]> {
    const sql = this.sql;
    const rows = await sql<TaskRow[]>`
      select * from fleet_job_task
      where job_id = ${jobId}
        ${page.after !== undefined ? sql`and charge_point_id > ${page.after}` : sql``}
        ${page.state !== undefined ? sql`and state = ${page.state}` : sql``}
      order by charge_point_id limit ${page.limit}`;
    return rows.map(toTask);
  }

  async countTasks(jobId: string): Promise<TaskCounts> {
    const rows = await this.sql<
      { state: TaskState; outcome: TaskOutcome | null; result: CampaignResult | null; n: number }[]
    >`
      select state, outcome, result, count(*)::int as n from fleet_job_task where job_id = ${jobId}
      group by state, outcome, result`;
    const counts: TaskCounts = { pending: 0, running: 0, waiting: 0, done: 0, outcomes: {}, results: {} };
    for (const r of rows) {
      counts[r.state] += r.n;
      if (r.outcome !== null && r.state !== "pending") {
        counts.outcomes[r.outcome] = (counts.outcomes[r.outcome] ?? 0) + r.n;
      }
      if (r.result !== null) counts.results[r.result] = (counts.results[r.result] ?? 0) + r.n;
    }
    return counts;
  }

  async claimTasks(
    jobId: string,
    holder: string,
    now: string,
    until: string,
    max: number,
  ): Promise<JobTaskRecord[]> {
    return await this.sql.begin(async (tx) => {
      const jobs = await tx<{ concurrency: number }[]>`
        select concurrency from fleet_job where id = ${jobId} and state = 'running' for update`;
      const job = jobs[0];
      if (!job) return [];
      const [held] = await tx<{ n: number }[]>`
        select count(*)::int as n from fleet_job_task
        where job_id = ${jobId} and state = 'running' and claim_until > ${now}`;
      const free = Math.min(max, job.concurrency - (held?.n ?? 0));
      if (free <= 0) return [];
      const rows = await tx<TaskRow[]>`
        update fleet_job_task set state = 'running', attempts = attempts + 1, claimed_by = ${holder},
          claim_until = ${until}, started_at = ${now}
        where job_id = ${jobId} and charge_point_id in (
          select charge_point_id from fleet_job_task where job_id = ${jobId} and state = 'pending'
          order by charge_point_id limit ${free})
        returning *`;
      return rows.map(toTask).sort((a, b) => (a.chargePointId < b.chargePointId ? -1 : 1));
    });
  }

  async renewClaims(
    jobId: string,
    chargePointIds: readonly string[],
    holder: string,
    until: string,
  ): Promise<number> {
    if (chargePointIds.length === 0) return 0;
    const rows = await this.sql`
      update fleet_job_task set claim_until = ${until}
      where job_id = ${jobId} and charge_point_id = any(${this.sql.array(chargePointIds as string[])}::text[])
        and state = 'running' and claimed_by = ${holder}
      returning charge_point_id`;
    return rows.length;
  }

  async markTaskSent(jobId: string, chargePointId: string, holder: string, at: string): Promise<boolean> {
    const rows = await this.sql`
      update fleet_job_task set sent_at = coalesce(sent_at, ${at})
      where job_id = ${jobId} and charge_point_id = ${chargePointId} and state = 'running'
        and claimed_by = ${holder}
      returning charge_point_id`;
    return rows.length > 0;
  }

  async releaseClaims(jobId: string, chargePointIds: readonly string[], holder: string): Promise<number> {
    if (chargePointIds.length === 0) return 0;
    return await giveBack(this.sql, jobId, { chargePointIds, holder });
  }

  async releaseExpiredClaim(jobId: string, chargePointId: string, now: string): Promise<boolean> {
    return await giveBack(this.sql, jobId, { chargePointIds: [chargePointId], expiredAt: now }) > 0;
  }

  async listExpiredClaims(jobId: string, now: string): Promise<JobTaskRecord[]> {
    const rows = await this.sql<TaskRow[]>`
      select * from fleet_job_task where job_id = ${jobId} and state = 'running' and claim_until <= ${now}
      order by charge_point_id`;
    return rows.map(toTask);
  }

  async finishTask(
    jobId: string,
    chargePointId: string,
    holder: string | null,
    now: string,
    update: TaskUpdate,
  ): Promise<boolean> {
    const sql = this.sql;
    const rows = await sql`
      update fleet_job_task set state = ${update.state}, outcome = ${update.outcome},
        response = ${jsonb(sql, update.response)}, finished_at = ${update.finishedAt}, claimed_by = null,
        claim_until = null
        ${update.result !== undefined ? sql`, result = ${update.result}` : sql``}
        ${update.firmwareStatus !== undefined ? sql`, firmware_status = ${update.firmwareStatus}` : sql``}
      where job_id = ${jobId} and charge_point_id = ${chargePointId} and state = 'running'
        and ${holder !== null ? sql`claimed_by = ${holder}` : sql`claim_until <= ${now}`}
      returning charge_point_id`;
    return rows.length > 0;
  }

  async updateWaitingTask(
    jobId: string,
    chargePointId: string,
    update: { firmwareStatus: string; result: CampaignResult | null; at: string },
  ): Promise<boolean> {
    const sql = this.sql;
    const done = update.result !== null;
    const rows = await sql`
      update fleet_job_task set firmware_status = ${update.firmwareStatus}
        ${done ? sql`, state = 'done', result = ${update.result}, finished_at = ${update.at}` : sql``}
      where job_id = ${jobId} and charge_point_id = ${chargePointId} and state = 'waiting'
      returning charge_point_id`;
    return rows.length > 0;
  }

  async listWaitingTasks(chargePointId: string): Promise<JobTaskRecord[]> {
    const rows = await this.sql<TaskRow[]>`
      select * from fleet_job_task where charge_point_id = ${chargePointId} and state = 'waiting' order by job_id`;
    return rows.map(toTask);
  }

  async finishJobIfDone(jobId: string, at: string): Promise<JobRecord | null> {
    const rows = await this.sql<JobRow[]>`
      update fleet_job set state = 'finished', finished_at = ${at}
      where id = ${jobId} and state = 'running' and not exists (
        select 1 from fleet_job_task where job_id = ${jobId} and state <> 'done')
      returning *`;
    return rows[0] ? toJob(rows[0]) : null;
  }

  async retryTasks(jobId: string, outcomes: readonly TaskOutcome[]): Promise<number | null> {
    return await this.sql.begin(async (tx) => {
      // Under the job's lock, as a cancel: one that came first stands.
      const [job] = await tx<{ state: string }[]>`select state from fleet_job where id = ${jobId} for update`;
      if (job?.state === "cancelled") return null;
      const rows = await tx`
        update fleet_job_task set state = 'pending', outcome = null, response = null, finished_at = null,
          result = null, firmware_status = null, sent_at = null
        where job_id = ${jobId} and state = 'done' and outcome = any(${
        tx.array(outcomes as string[])
      }::text[])
        returning charge_point_id`;
      if (rows.length > 0) {
        await tx`update fleet_job set state = 'running', finished_at = null where id = ${jobId}`;
      }
      return rows.length;
    });
  }

  async cancelJob(jobId: string, at: string): Promise<{ job: JobRecord; cancelledNow: boolean } | null> {
    return await this.sql.begin(async (tx) => {
      const rows = await tx<JobRow[]>`select * from fleet_job where id = ${jobId} for update`;
      const job = rows[0];
      if (!job) return null;
      if (job.state !== "running") return { job: toJob(job), cancelledNow: false };
      const [cancelled] = await tx<JobRow[]>`
        update fleet_job set state = 'cancelled', finished_at = ${at} where id = ${jobId} returning *`;
      await tx`
        update fleet_job_task set state = 'done', outcome = 'cancelled', finished_at = ${at}
        where job_id = ${jobId} and state = 'pending'`;
      return { job: toJob(cancelled!), cancelledNow: true };
    });
  }
}

/**
 * Running tasks never marked sent, held by `holder` or with a claim expired at `expiredAt`: pending again, or
 * cancelled when the job no longer runs. A function, as in the KV store: wrappers made with Object.create keep it.
 */
async function giveBack(
  sql: Sql,
  jobId: string,
  which: { chargePointIds: readonly string[]; holder?: string; expiredAt?: string },
): Promise<number> {
  return await sql.begin(async (tx) => {
    // Under the job's lock, as a cancel: a job cancelled meanwhile ends the task as it ended the pending.
    const jobs = await tx<{ state: string; finished_at: Date | null }[]>`
      select state, finished_at from fleet_job where id = ${jobId} for update`;
    const running = jobs[0]?.state === "running";
    const rows = await tx`
      update fleet_job_task set claimed_by = null, claim_until = null, attempts = greatest(attempts - 1, 0),
        ${
      running
        ? tx`state = 'pending', started_at = null`
        : tx`state = 'done', outcome = 'cancelled', response = null, finished_at = ${
          jobs[0]?.finished_at ?? null
        }`
    }
      where job_id = ${jobId} and charge_point_id = any(${tx.array(which.chargePointIds as string[])}::text[])
        and state = 'running' and sent_at is null
        ${which.holder !== undefined ? tx`and claimed_by = ${which.holder}` : tx``}
        ${which.expiredAt !== undefined ? tx`and claim_until <= ${which.expiredAt}` : tx``}
      returning charge_point_id`;
    return rows.length;
  });
}

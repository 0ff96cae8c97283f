/**
 * Runs jobs: each tick claims pending tasks of running jobs (the store enforces each job's concurrency across
 * every process), sends each task's command through the CommandSender, and records its outcome. Claims are
 * renewed while the command is in flight. Each command asks for a send mark: the node holding the station
 * writes it in the store (`markTaskSent`, only while this process holds the claim) as the CALL leaves the
 * station's queue, before it goes (`actors/send_marks.ts`). So a claim that runs out (its process died) tells
 * what may have happened: never marked, the CALL surely never reached the station (it waited behind another
 * command, or in a cluster inbox) and the task is pending again, for any process to send; marked, the station
 * may have acted and it ends `timeout`, NOT sent again by itself (a second Reset or UpdateFirmware is an
 * operator's decision: retry). A process that stops cleanly (`stopSending()`) gives back at once the claims on
 * commands it never sent (not yet handed over, or refused not connected as its stations closed).
 *
 * A firmware campaign (UpdateFirmware, SignedUpdateFirmware) does not end with the answer: an accepted task
 * waits, following the station's firmware status notifications (`firmwareStatus()`), until Installed, a
 * failure, or the campaign's deadline.
 *
 * @example
 * ```ts ignore
 * const runner = new JobRunner({ jobs, send, events, now, holder: "node-1", logger, leaseMs: 60_000 });
 * await runner.tick();
 * ```
 */
import type { Logger } from "../logger.ts";
import type { FileStatusStore } from "../store/mod.ts";
import type { JobRecord, JobStore, JobTaskRecord, TaskCounts } from "../store/fleet.ts";
import { CommandNotSentError } from "../actors/errors.ts";
import type { CommandResult, CommandSender } from "./command_sender.ts";
import type { FleetEventBus } from "./events.ts";
import {
  CAMPAIGN_ACTIONS,
  campaignRequestId,
  campaignResultOf,
  isAboutOtherRequest,
} from "./firmware_campaign.ts";

export interface JobRunnerDeps {
  jobs: JobStore;
  send: CommandSender;
  events: FleetEventBus;
  now: () => Date;
  /** This process, as a claim holder. */
  holder: string;
  logger: Logger;
  /** How long a claim lasts without renewal; renewed every third of it while the command is in flight. */
  leaseMs: number;
  /** Called once per job, by the process that finished it. */
  onFinished?: (job: JobRecord, counts: TaskCounts) => void;
  /** Asks for another tick soon (a slot came free). */
  poke?: () => void;
  /**
   * The status history stations reported: what a campaign's station said between its answer and the task's
   * waiting is read back from it. Absent: only statuses that come after are followed.
   */
  fileStatus?: Pick<FileStatusStore, "listFileStatus">;
}

/** How much of a station's status history a campaign reads back when it starts waiting. */
const CATCH_UP_ENTRIES = 50;

/** Progress events recount a job's tasks at most this often. */
const COUNTS_EVERY_MS = 250;

export class JobRunner {
  /** Tasks this process is sending, by job. */
  #inFlight = new Map<string, Set<string>>();
  #running = new Set<Promise<void>>();
  #lastRenewal = 0;
  #counts = new Map<string, { at: number; counts: TaskCounts }>();
  #stopping = false;

  constructor(private readonly deps: JobRunnerDeps) {}

  /** One round over the running jobs. */
  async tick(): Promise<void> {
    if (this.#stopping) return;
    const now = this.deps.now();
    await this.#renewClaims(now);
    for (const job of await this.deps.jobs.listRunningJobs()) {
      await this.#closeExpiredClaims(job, now);
      if (job.campaign) await this.#closeOverdueCampaign(job, now);
      // Stopped while this tick awaited the store: no claim after stopSending() (one already on its way is
      // given back in #run).
      if (this.#stopping) return;
      const until = new Date(now.getTime() + this.deps.leaseMs).toISOString();
      const claimed = await this.deps.jobs.claimTasks(
        job.id,
        this.deps.holder,
        now.toISOString(),
        until,
        job.concurrency,
      );
      for (const task of claimed) this.#start(job, task);
      if (claimed.length === 0) await this.finishIfDone(job.id);
    }
  }

  /**
   * This process stops (before its stations close): nothing more is claimed or sent, and claims on commands
   * not sent are given back (see #run). Those already sent end as usual (drain()).
   */
  stopSending(): void {
    this.#stopping = true;
  }

  /**
   * The tasks this process holds a claim on whose outcome (or give-back) is not written yet, by job: what a
   * stop cut short leaves to the claims' lapse (JOB_CLAIM_S).
   */
  get claimsHeld(): { jobs: number; tasks: number } {
    let tasks = 0;
    for (const held of this.#inFlight.values()) tasks += held.size;
    return { jobs: this.#inFlight.size, tasks };
  }

  /** Waits for the commands in flight (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  /**
   * A station reported a firmware status: campaigns waiting for it move on, unless the status names another
   * firmware update's requestId than the campaign's.
   */
  async firmwareStatus(
    chargePointId: string,
    status: string,
    at: string,
    requestId: number | null = null,
  ): Promise<void> {
    for (const task of await this.deps.jobs.listWaitingTasks(chargePointId)) {
      if (requestId !== null) {
        const job = await this.deps.jobs.getJob(task.jobId);
        if (job && isAboutOtherRequest(campaignRequestId(job, chargePointId), requestId)) continue;
      }
      await this.#follow(task.jobId, chargePointId, status, at);
    }
  }

  /**
   * One firmware status for a waiting task: recorded, its progress told, the job finished if the status ended
   * the task. `waiting`: whether the task still waits (false: the status ended it, or it no longer waited).
   */
  async #follow(
    jobId: string,
    chargePointId: string,
    status: string,
    at: string,
  ): Promise<{ waiting: boolean }> {
    const result = campaignResultOf(status);
    const updated = await this.deps.jobs.updateWaitingTask(jobId, chargePointId, {
      firmwareStatus: status,
      result,
      at,
    });
    if (!updated) return { waiting: false };
    await this.#progress(jobId, chargePointId);
    if (result === null) return { waiting: true };
    await this.finishIfDone(jobId);
    return { waiting: false };
  }

  /** Marks the job finished when nothing is left; announces it once, cluster-wide. */
  async finishIfDone(jobId: string): Promise<void> {
    const job = await this.deps.jobs.finishJobIfDone(jobId, this.deps.now().toISOString());
    if (!job) return;
    const counts = await this.deps.jobs.countTasks(jobId);
    this.#counts.delete(jobId);
    this.deps.logger.info("job finished", {
      jobId,
      action: job.action,
      total: job.total,
      outcomes: counts.outcomes,
    });
    this.deps.events.publish({
      type: "job",
      at: job.finishedAt ?? job.createdAt,
      chargePointId: null,
      job,
      task: null,
      counts,
    });
    this.deps.onFinished?.(job, counts);
  }

  #start(job: JobRecord, task: JobTaskRecord): void {
    const held = this.#inFlight.get(job.id) ?? new Set<string>();
    this.#inFlight.set(job.id, held);
    held.add(task.chargePointId);
    const run = this.#run(job, task)
      .catch((error) => {
        this.deps.logger.error("job task failed", {
          jobId: job.id,
          chargePointId: task.chargePointId,
          error: String(error),
        });
      })
      .finally(() => {
        held.delete(task.chargePointId);
        if (held.size === 0) this.#inFlight.delete(job.id);
        this.#running.delete(run);
        this.deps.poke?.();
      });
    this.#running.add(run);
  }

  async #run(job: JobRecord, task: JobTaskRecord): Promise<void> {
    if (this.#stopping) {
      await this.#release(job, task);
      return;
    }
    const sentAt = this.deps.now().toISOString();
    let result: CommandResult;
    try {
      result = await this.deps.send({
        chargePointId: task.chargePointId,
        action: job.action,
        payload: job.payload,
        force: job.force,
        requestedBy: `job:${job.id} by ${job.createdBy}`,
        mark: { jobId: job.id, holder: this.deps.holder },
        ...(job.action === "UpdateFirmware"
          ? { requestId: campaignRequestId(job, task.chargePointId)! }
          : {}),
      });
    } catch (error) {
      if (!(error instanceof CommandNotSentError)) throw error;
      // Never sent (its mark, its command log row or its check not through): pending again, unless the mark
      // was written after all (then it ends timeout when the claim runs out) or the claim is someone else's.
      this.deps.logger.warn("job task not sent", {
        jobId: job.id,
        chargePointId: task.chargePointId,
        error: error.message,
      });
      await this.#release(job, task);
      return;
    }
    // Not connected as this process stops: its station's socket closed with the command still queued (or it
    // went before it was sent); it never reached a station, so another process may send it. One marked (the
    // socket closed as the mark was written) keeps its claim: its outcome is recorded below.
    if (this.#stopping && result.outcome === "not_connected" && await this.#release(job, task)) return;
    const at = this.deps.now().toISOString();
    const campaign = job.campaign !== null && CAMPAIGN_ACTIONS.has(job.action) &&
      result.outcome === "accepted";
    const waits = campaign && acceptedByStation(result.response);
    const finished = await this.deps.jobs.finishTask(job.id, task.chargePointId, this.deps.holder, at, {
      state: waits ? "waiting" : "done",
      outcome: result.outcome,
      response: result.response,
      finishedAt: waits ? null : at,
      ...(waits ? { firmwareStatus: null } : {}),
      // A station that answers but refuses (SignedUpdateFirmware Rejected, InvalidCertificate): failed at once.
      ...(campaign && !waits ? { result: "failed" as const } : {}),
    });
    if (!finished) {
      this.deps.logger.warn("job task outcome dropped: its claim ran out", {
        jobId: job.id,
        chargePointId: task.chargePointId,
        outcome: result.outcome,
      });
      return;
    }
    await this.#progress(job.id, task.chargePointId);
    if (!waits) return await this.finishIfDone(job.id);
    await this.#catchUp(job, task.chargePointId, sentAt);
  }

  /**
   * A station may report right after its Accepted (a signature it cannot verify, an image it already has),
   * before the task waits: `firmwareStatus()` found nothing waiting then. Those statuses, read back from the
   * station's history since the command was sent, are followed now, oldest first.
   */
  async #catchUp(job: JobRecord, chargePointId: string, sentAt: string): Promise<void> {
    const history = await this.deps.fileStatus?.listFileStatus(chargePointId, CATCH_UP_ENTRIES) ?? [];
    const expected = campaignRequestId(job, chargePointId);
    const reported = history
      .filter((e) => (e.kind === "firmware" || e.kind === "signedFirmware") && e.receivedAt >= sentAt)
      .filter((e) => !isAboutOtherRequest(expected, e.requestId))
      .reverse();
    for (const entry of reported) {
      if (!(await this.#follow(job.id, chargePointId, entry.status, entry.receivedAt)).waiting) return;
    }
  }

  /** Gives back the claim on a task never marked sent; false when it was marked (or is not ours). */
  async #release(job: JobRecord, task: JobTaskRecord): Promise<boolean> {
    const released = await this.deps.jobs.releaseClaims(job.id, [task.chargePointId], this.deps.holder);
    if (released > 0) await this.#progress(job.id, task.chargePointId);
    return released > 0;
  }

  async #renewClaims(now: Date): Promise<void> {
    if (now.getTime() - this.#lastRenewal < this.deps.leaseMs / 3) return;
    this.#lastRenewal = now.getTime();
    const until = new Date(now.getTime() + this.deps.leaseMs).toISOString();
    for (const [jobId, held] of this.#inFlight) {
      await this.deps.jobs.renewClaims(jobId, [...held], this.deps.holder, until);
    }
  }

  async #closeExpiredClaims(job: JobRecord, now: Date): Promise<void> {
    const at = now.toISOString();
    for (const task of await this.deps.jobs.listExpiredClaims(job.id, at)) {
      if (this.#inFlight.get(job.id)?.has(task.chargePointId)) continue;
      // Never marked sent: its CALL never left, so it is pending again (unless marked since: then timeout).
      if (task.sentAt === null && await this.deps.jobs.releaseExpiredClaim(job.id, task.chargePointId, at)) {
        this.deps.logger.info("job task given back: its sender stopped before the command left", {
          jobId: job.id,
          chargePointId: task.chargePointId,
          claimedBy: task.claimedBy,
        });
        await this.#progress(job.id, task.chargePointId);
        continue;
      }
      const closed = await this.deps.jobs.finishTask(job.id, task.chargePointId, null, at, {
        state: "done",
        outcome: "timeout",
        response: {
          reason:
            `the process sending it (${task.claimedBy}) stopped after the command left, before the answer: ` +
            "the station may have acted on it; retry to send again",
        },
        finishedAt: at,
      });
      if (closed) await this.#progress(job.id, task.chargePointId);
    }
  }

  async #closeOverdueCampaign(job: JobRecord, now: Date): Promise<void> {
    if (job.campaign === null || now.toISOString() < job.campaign.deadline) return;
    for (;;) {
      const waiting = await this.deps.jobs.listTasks(job.id, { limit: 200, state: "waiting" });
      if (waiting.length === 0) return;
      for (const task of waiting) {
        await this.deps.jobs.updateWaitingTask(job.id, task.chargePointId, {
          firmwareStatus: task.firmwareStatus ?? "",
          result: "timed_out",
          at: now.toISOString(),
        });
        await this.#progress(job.id, task.chargePointId);
      }
    }
  }

  async #progress(jobId: string, chargePointId: string): Promise<void> {
    if (this.deps.events.subscriberCount === 0) return;
    const [job, task] = await Promise.all([
      this.deps.jobs.getJob(jobId),
      this.deps.jobs.getTask(jobId, chargePointId),
    ]);
    if (!job || !task) return;
    const counts = await this.#countsOf(jobId);
    this.deps.events.publish({
      type: "job",
      at: this.deps.now().toISOString(),
      chargePointId,
      job,
      task,
      counts,
    });
  }

  /** The job's counts, recounted at most every COUNTS_EVERY_MS (a big job is not rescanned per task). */
  async #countsOf(jobId: string): Promise<TaskCounts> {
    const cached = this.#counts.get(jobId);
    const nowMs = this.deps.now().getTime();
    if (cached && nowMs - cached.at < COUNTS_EVERY_MS) return cached.counts;
    const counts = await this.deps.jobs.countTasks(jobId);
    this.#counts.set(jobId, { at: nowMs, counts });
    return counts;
  }
}

/**
 * A SignedUpdateFirmware (and OCPP 2.0.1 UpdateFirmware) answer carries a status; 1.6 UpdateFirmware's answer
 * is empty (accepted by answering).
 */
function acceptedByStation(response: unknown): boolean {
  const status = (response as { status?: unknown } | null)?.status;
  return status === undefined || status === "Accepted" || status === "AcceptedCanceled";
}

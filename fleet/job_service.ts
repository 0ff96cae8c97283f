/**
 * Jobs as operators see them: create one command for many stations (a list of ids, a search filter or a
 * site), read a job with each station's outcome, retry the failed ones, cancel. The stations are resolved once,
 * when the job is created; the payload is checked against the action's own schema before anything is stored.
 */
import { commandBoundsProblem16, commandBoundsProblem201 } from "../actors/commands/bounds.ts";
import type { Registry } from "../actors/registry.ts";
import { isCsToCpAction, validateRequest } from "../protocol/ocpp16/mod.ts";
import { isCsToCpAction as isCsToCpAction201, OCPP201 } from "../protocol/ocpp201/mod.ts";
import { commandProfileProblem } from "../energy/charging_profile_rules.ts";
import { validateMessage, type ValidationResult } from "../protocol/ocppj/validate.ts";
import { isChargePointId } from "../protocol/ocppj/charge_point_id.ts";
import { redactSecrets } from "../protocol/ocppj/secret_values.ts";
import type {
  JobRecord,
  JobStore,
  JobTarget,
  JobTaskRecord,
  TaskCounts,
  TaskOutcome,
} from "../store/fleet.ts";
import type { Store } from "../store/mod.ts";
import { FleetError } from "./errors.ts";
import type { FleetEventBus } from "./events.ts";
import { CAMPAIGN_ACTIONS } from "./firmware_campaign.ts";

/** The stations of a site, from whoever keeps sites (energy management); null for an unknown site. */
export type SiteDirectory = (siteId: string) => Promise<string[] | null>;

export interface JobServiceDeps {
  jobs: JobStore;
  store: Pick<Store, "listChargePoints">;
  registry: Pick<Registry, "isConnected">;
  events: FleetEventBus;
  now: () => Date;
  newId: (now: Date) => string;
  /** Runs the new job's first tick soon. */
  poke: () => void;
  /** Called once per cancelled job, by the process that cancelled it (as the runner's for a finished one). */
  onFinished?: (job: JobRecord, counts: TaskCounts) => void;
  sites?: SiteDirectory;
  settings: {
    maxStations: number;
    maxConcurrency: number;
    defaultConcurrency: number;
    campaignHours: number;
  };
}

export interface NewJob {
  action: string;
  payload: unknown;
  force?: boolean;
  concurrency?: number;
  chargePointIds?: string[];
  filter?: { search?: string; online?: boolean };
  siteId?: string;
  /** Campaigns: how long to follow the firmware status notifications (hours). */
  campaignHours?: number;
}

export interface JobView extends JobRecord {
  counts: TaskCounts;
}

/**
 * A job's payload, valid in either dialect that has the action: OCPP 1.6's first (its error is the one
 * reported when neither takes it), else OCPP 2.0.1's. Each station's actor sends it only if its own dialect
 * has the command (a 2.0.1 actor also checks the payload), so a job over a mixed fleet reaches the stations
 * it fits and is refused, per station, by the others.
 */
function validateJobPayload(
  action: string,
  payload: unknown,
): ValidationResult<unknown> & { dialect?: "ocpp1.6" | "ocpp2.0.1" } {
  const v16 = isCsToCpAction(action) ? validateRequest(action, payload) : null;
  if (v16?.ok) return { ...v16, dialect: "ocpp1.6" };
  const v201 = isCsToCpAction201(action) ? validateMessage(OCPP201, "request", action, payload) : null;
  if (v201?.ok) return { ...v201, dialect: "ocpp2.0.1" };
  return (v16 ?? v201)!;
}

/** What a retry sends again by default: every outcome but accepted and cancelled. */
export const FAILED_OUTCOMES: readonly TaskOutcome[] = [
  "not_connected",
  "timeout",
  "callerror",
  "refused",
  "invalid",
];

export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  async create(input: NewJob, createdBy: string): Promise<JobView> {
    const { action } = input;
    if (!isCsToCpAction(action) && !isCsToCpAction201(action)) {
      throw new FleetError("invalid", `"${action}" is not a command a Central System sends`, {
        field: "action",
      });
    }
    const payload = validateJobPayload(action, input.payload);
    if (!payload.ok) {
      throw new FleetError("invalid", `payload: ${payload.description}`, {
        field: `payload.${payload.details.field}`.replace(/\.$/, ""),
        constraint: payload.details.constraint,
      });
    }
    const bounds = payload.dialect === "ocpp1.6"
      ? commandBoundsProblem16(action, payload.value)
      : commandBoundsProblem201(action, payload.value);
    if (bounds) {
      throw new FleetError("invalid", `payload: ${bounds.message}`, { field: `payload.${bounds.field}` });
    }
    const profileProblem = payload.dialect
      ? commandProfileProblem(action, payload.value, payload.dialect, this.deps.now())
      : null;
    if (profileProblem) {
      throw new FleetError("invalid", `payload: ${profileProblem.message}`, {
        field: `payload.${profileProblem.field}`,
      });
    }
    // A job is read by viewers and kept for retries: a secret (an AuthorizationKey) has no place in it, and one
    // key for a whole fleet is a bad idea anyway.
    if (redactSecrets(payload.value) !== payload.value) {
      throw new FleetError(
        "invalid",
        "A job's payload may not carry a secret (a key, password or secret value): send it to each station on its own",
        { field: "payload" },
      );
    }
    const { settings } = this.deps;
    const concurrency = input.concurrency ?? settings.defaultConcurrency;
    if (concurrency > settings.maxConcurrency) {
      throw new FleetError(
        "invalid",
        `concurrency ${concurrency} is above the limit of ${settings.maxConcurrency}`,
        {
          field: "concurrency",
        },
      );
    }
    const { target, ids } = await this.#resolve(input);
    if (ids.length === 0) throw new FleetError("invalid", "No station matches the job's target", { target });
    if (ids.length > settings.maxStations) {
      throw new FleetError(
        "invalid",
        `${ids.length} stations are more than the ${settings.maxStations} a job may have`,
      );
    }
    const now = this.deps.now();
    const campaign = CAMPAIGN_ACTIONS.has(action)
      ? {
        deadline: new Date(now.getTime() + (input.campaignHours ?? settings.campaignHours) * 3_600_000)
          .toISOString(),
      }
      : null;
    const job: JobRecord = {
      id: this.deps.newId(now),
      action,
      payload: payload.value,
      force: input.force ?? false,
      target,
      concurrency,
      state: "running",
      total: ids.length,
      campaign,
      createdBy,
      createdAt: now.toISOString(),
      finishedAt: null,
    };
    await this.deps.jobs.createJob(job, ids);
    const view = await this.get(job.id);
    this.deps.events.publish({
      type: "job",
      at: job.createdAt,
      chargePointId: null,
      job,
      task: null,
      counts: view.counts,
    });
    this.deps.poke();
    return view;
  }

  async get(jobId: string): Promise<JobView> {
    const job = await this.deps.jobs.getJob(jobId);
    if (!job) throw new FleetError("not_found", `Job "${jobId}" is unknown`);
    return { ...job, counts: await this.deps.jobs.countTasks(jobId) };
  }

  async list(page: { before?: string; limit: number }): Promise<JobRecord[]> {
    return await this.deps.jobs.listJobs(page);
  }

  async tasks(jobId: string, page: { after?: string; limit: number; state?: JobTaskRecord["state"] }) {
    await this.get(jobId);
    return await this.deps.jobs.listTasks(jobId, page);
  }

  /** Sends the failed ones again (those with an outcome in `outcomes`); returns how many. */
  async retry(jobId: string, outcomes: readonly TaskOutcome[] = FAILED_OUTCOMES): Promise<number> {
    const job = await this.get(jobId);
    if (job.state === "cancelled") throw new FleetError("conflict", `Job "${jobId}" was cancelled`);
    const count = await this.deps.jobs.retryTasks(jobId, outcomes);
    // Cancelled since it was read above: the cancel stands.
    if (count === null) throw new FleetError("conflict", `Job "${jobId}" was cancelled`);
    if (count > 0) this.deps.poke();
    return count;
  }

  /**
   * Ends the job: what was not sent is cancelled, and the job is finished now (`finishedAt`), for the event
   * stream and `job.finished` webhooks alike. Commands already in flight land their outcome later, in the job's
   * counts, without finishing it again.
   */
  async cancel(jobId: string): Promise<JobView> {
    const cancelled = await this.deps.jobs.cancelJob(jobId, this.deps.now().toISOString());
    if (!cancelled) throw new FleetError("not_found", `Job "${jobId}" is unknown`);
    const view = await this.get(jobId);
    this.deps.events.publish({
      type: "job",
      at: this.deps.now().toISOString(),
      chargePointId: null,
      job: view,
      task: null,
      counts: view.counts,
    });
    const { counts, ...job } = view;
    if (cancelled.cancelledNow) this.deps.onFinished?.(job, counts);
    return view;
  }

  async #resolve(input: NewJob): Promise<{ target: JobTarget; ids: string[] }> {
    const given = [input.chargePointIds, input.filter, input.siteId].filter((x) => x !== undefined).length;
    if (given !== 1) {
      throw new FleetError("invalid", "Give exactly one of chargePointIds, filter and siteId", { field: "" });
    }
    if (input.chargePointIds !== undefined) {
      const bad = input.chargePointIds.find((id) => !isChargePointId(id));
      if (bad !== undefined) {
        throw new FleetError("invalid", `${JSON.stringify(bad)} is not a charge point id`, {
          field: "chargePointIds",
        });
      }
      return {
        target: { kind: "chargePointIds" },
        ids: [...new Set(input.chargePointIds)].sort(codePointOrder),
      };
    }
    if (input.siteId !== undefined) {
      if (!this.deps.sites) {
        throw new FleetError("invalid", "Sites are not available on this server", { field: "siteId" });
      }
      const ids = await this.deps.sites(input.siteId);
      if (ids === null) throw new FleetError("not_found", `Site "${input.siteId}" is unknown`);
      return { target: { kind: "site", siteId: input.siteId }, ids: [...new Set(ids)].sort(codePointOrder) };
    }
    const filter = input.filter ?? {};
    const ids: string[] = [];
    let after: string | undefined;
    // Only registered, Accepted stations in service are a filter's: the others get nothing from a job anyway.
    for (;;) {
      const page = await this.deps.store.listChargePoints({
        limit: 1000,
        ...(filter.search !== undefined ? { search: filter.search } : {}),
        ...(after !== undefined ? { after } : {}),
      });
      for (const record of page) {
        if (record.registrationStatus !== "Accepted" || record.decommissionedAt) continue;
        if (filter.online !== undefined && this.deps.registry.isConnected(record.id) !== filter.online) {
          continue;
        }
        ids.push(record.id);
      }
      if (page.length < 1000 || ids.length > this.deps.settings.maxStations) break;
      after = page.at(-1)!.id;
    }
    const target: JobTarget = {
      kind: "filter",
      ...(filter.search !== undefined ? { search: filter.search } : {}),
      ...(filter.online !== undefined ? { online: filter.online } : {}),
    };
    return { target, ids };
  }
}

function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

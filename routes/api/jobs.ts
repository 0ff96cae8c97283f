/**
 * Jobs: one command for many stations (`POST /api/v1/jobs`), each station's outcome, retry and cancel.
 * Operators create and change jobs; viewers read them.
 */
import { placeholderField } from "../../files/command_locations.ts";
import { z } from "zod";
import { hasRole, type Principal, principalLabel } from "../../auth/principal.ts";
import { changesStationTrust } from "../../security/trust_commands.ts";
import { profileSent } from "../../security/security_profile_raise.ts";
import { certificatePayloadProblem } from "../../pki/certificate_text.ts";
import type { Fleet } from "../../fleet/mod.ts";
import { CS_TO_CP_ACTIONS } from "../../protocol/ocpp16/mod.ts";
import { CS_TO_CP_ACTIONS as CS_TO_CP_ACTIONS_201 } from "../../protocol/ocpp201/mod.ts";
import { TASK_OUTCOMES } from "../../store/fleet.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { refuseOutlivingGrant } from "./outliving_grants.ts";
import { refuseOutlivingCommand } from "./outliving_commands.ts";
import { JobDetailSchema, JobSchema } from "./fleet_schemas.ts";
import { ErrorSchema, limit, pageOf } from "./schemas.ts";

const CreateBody = z.object({
  action: z.string().min(1).max(50).describe(
    `One of: ${CS_TO_CP_ACTIONS.join(", ")} (OCPP 1.6), or an OCPP 2.0.1 command (${
      CS_TO_CP_ACTIONS_201.join(", ")
    }); a station whose dialect has no such command gets none (refused)`,
  ),
  payload: z.unknown().default({}).describe("The action's OCPP request payload, as for a single command"),
  chargePointIds: z.array(z.string().min(1).max(48)).min(1).max(1_000_000).optional(),
  filter: z.object({
    search: z.string().max(100).optional().describe("Case-insensitive substring of the id"),
    online: z.boolean().optional(),
  }).strict().optional().describe("Accepted stations matching the filter, resolved when the job is created"),
  siteId: z.string().min(1).max(100).optional().describe("The stations of a site"),
  force: z.boolean().default(false).describe(
    "Send even where a connector's state makes the command pointless",
  ),
  concurrency: z.number().int().min(1).max(10_000).optional().describe(
    "Stations with a command in flight at once (default JOB_DEFAULT_CONCURRENCY, at most JOB_MAX_CONCURRENCY)",
  ),
  campaignHours: z.number().min(0.001).max(24 * 30).optional().describe(
    "UpdateFirmware: how long to follow the firmware status notifications (default FIRMWARE_CAMPAIGN_HOURS)",
  ),
}).strict();

const JobParam = z.object({ jobId: z.string().min(1).max(100) });
const ListQuery = z.object({
  before: z.string().max(100).optional().describe("Cursor: the nextCursor of the previous page"),
  limit: limit(50, 500),
});
const TaskQuery = z.object({
  after: z.string().max(48).optional().describe("Tasks after this charge point id (the tasks' nextCursor)"),
  limit: limit(1000, 10_000),
  state: z.enum(["pending", "running", "waiting", "done"]).optional(),
});
const RetryBody = z.object({
  outcomes: z.array(z.enum(TASK_OUTCOMES as [string, ...string[]])).min(1).optional().describe(
    "Which outcomes to send again (default: not_connected, timeout, callerror, refused, invalid)",
  ),
}).strict();

const ERRORS = {
  400: { description: "Invalid request (details name the field)", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low", schema: ErrorSchema },
};
const NOT_FOUND = { 404: { description: "Unknown job", schema: ErrorSchema } };

export function addJobRoutes(router: ApiRouter, fleet: Fleet): void {
  router.add({
    method: "post",
    path: "/v1/jobs",
    operationId: "createJob",
    summary: "Send one command to many stations (a job)",
    description: "Give exactly one of chargePointIds, filter and siteId. The payload is checked with the " +
      "action's schema; each station's command then goes out at most `concurrency` at a time, and its outcome " +
      "is kept per station (the command log's outcomes). Stations that are unknown or not Accepted get " +
      "`refused` and nothing is sent to them. An UpdateFirmware job is a firmware campaign: an accepted " +
      "station waits until its status notifications say Installed or failed.",
    tag: "Jobs",
    access: "operator",
    body: CreateBody,
    responses: {
      201: { description: "The job, with its counts", schema: JobSchema },
      ...ERRORS,
      404: { description: "Unknown site", schema: ErrorSchema },
    },
  }, async (c, { body, principal }) => {
    await refuseJobCommand(principal, body.action, body.payload);
    // Security Whitepaper A05: a raise is followed per station (pending until its first connection with it,
    // security_profile_raises.ts); a job's raw ChangeConfiguration would leave the lower profile open.
    if (profileSent(body.action, body.payload) !== null) {
      const what = body.action === "SetNetworkProfile"
        ? "SetNetworkProfile (it sets a security profile)"
        : "ChangeConfiguration SecurityProfile";
      throw new ApiError(
        400,
        "invalid_request",
        `A job may not change SecurityProfile: send ${what} to each station ` +
          `(POST /api/v1/charge-points/{id}/${body.action}), where the raise is followed until the station ` +
          "connects with it",
        {
          field: body.action === "SetNetworkProfile"
            ? "payload.connectionData.securityProfile"
            : "payload.key",
        },
      );
    }
    // A csms: location is made into a URL of one station's own (its download link, its upload slot) by the
    // command API; a job's one payload would carry the placeholder itself to every station, which can do
    // nothing with it.
    const placeholder = placeholderField(body.action, body.payload);
    if (placeholder !== null) {
      throw new ApiError(
        400,
        "invalid_request",
        `A job cannot use a csms: location (a URL of this server is made for one station at a time): send ` +
          `${body.action} to each station (POST /api/v1/charge-points/{id}/${body.action}), or give a location ` +
          "every station can reach",
        { in: "body", field: `payload.${placeholder}` },
      );
    }
    // As for one station (commands.ts): a job would send it to every station.
    const certificateProblem = certificatePayloadProblem(body.action, body.payload);
    if (certificateProblem) {
      throw new ApiError(400, "invalid_request", certificateProblem.message, {
        in: "body",
        field: `payload.${certificateProblem.field}`,
      });
    }
    const job = await fleet.jobs.create({
      action: body.action,
      payload: body.payload,
      force: body.force,
      ...(body.concurrency !== undefined ? { concurrency: body.concurrency } : {}),
      ...(body.chargePointIds !== undefined ? { chargePointIds: body.chargePointIds } : {}),
      ...(body.filter !== undefined ? { filter: stripUndefined(body.filter) } : {}),
      ...(body.siteId !== undefined ? { siteId: body.siteId } : {}),
      ...(body.campaignHours !== undefined ? { campaignHours: body.campaignHours } : {}),
    }, principal ? principalLabel(principal) : "anonymous");
    return c.json(job, 201);
  });

  router.add({
    method: "get",
    path: "/v1/jobs",
    operationId: "listJobs",
    summary: "Jobs, newest first",
    tag: "Jobs",
    access: "viewer",
    query: ListQuery,
    responses: { 200: { description: "A page of jobs", schema: pageOf(JobSchema) }, ...ERRORS },
  }, async (c, { query }) => {
    const items = await fleet.jobs.list({
      limit: query.limit,
      ...(query.before ? { before: query.before } : {}),
    });
    const last = items.at(-1);
    return c.json({ items, nextCursor: items.length >= query.limit && last ? last.id : null });
  });

  router.add({
    method: "get",
    path: "/v1/jobs/{jobId}",
    operationId: "getJob",
    summary: "A job with its counts and each station's outcome",
    tag: "Jobs",
    access: "viewer",
    params: JobParam,
    query: TaskQuery,
    responses: { 200: { description: "The job", schema: JobDetailSchema }, ...ERRORS, ...NOT_FOUND },
  }, async (c, { params, query }) => {
    const job = await fleet.jobs.get(params.jobId);
    const items = await fleet.jobs.tasks(params.jobId, {
      limit: query.limit,
      ...(query.after !== undefined ? { after: query.after } : {}),
      ...(query.state !== undefined ? { state: query.state } : {}),
    });
    const last = items.at(-1);
    return c.json({
      ...job,
      tasks: { items, nextCursor: items.length >= query.limit && last ? last.chargePointId : null },
    });
  });

  router.add({
    method: "post",
    path: "/v1/jobs/{jobId}/retry",
    operationId: "retryJob",
    summary: "Send the job's failed commands again",
    description:
      "The command is checked as at the job's creation, as if the caller made the job (403): one " +
      "that changes whom stations trust needs an admin, and an API token that expires may not retry one it " +
      "could not make, such as a local list entry or a reservation that would outlive it.",
    tag: "Jobs",
    access: "operator",
    params: JobParam,
    body: RetryBody,
    emptyBodyIsObject: true,
    responses: {
      200: { description: "How many were queued again", schema: z.object({ retried: z.number().int() }) },
      ...ERRORS,
      ...NOT_FOUND,
      409: { description: "The job was cancelled", schema: ErrorSchema },
    },
  }, async (c, { params, body, principal }) => {
    // Sent again, its command is checked as at the job's creation: whoever retries it sends it.
    const job = await fleet.jobs.get(params.jobId);
    await refuseJobCommand(principal, job.action, job.payload);
    const retried = await fleet.jobs.retry(params.jobId, body.outcomes as never);
    return c.json({ retried });
  });

  router.add({
    method: "post",
    path: "/v1/jobs/{jobId}/cancel",
    operationId: "cancelJob",
    summary: "Cancel the commands of a job not sent yet",
    tag: "Jobs",
    access: "operator",
    params: JobParam,
    responses: { 200: { description: "The job", schema: JobSchema }, ...ERRORS, ...NOT_FOUND },
  }, async (c, { params }) => c.json(await fleet.jobs.cancel(params.jobId)));
}

/**
 * Refuses (403) `principal` a job's command that changes whom stations trust without the admin role, or that
 * would outlive its API token that expires (whom stations trust, and `refuseOutlivingCommand`'s rules, judged
 * without a station's value): at the job's creation and at each retry.
 */
async function refuseJobCommand(
  principal: Principal | null,
  action: string,
  payload: unknown,
): Promise<void> {
  const changesTrust = changesStationTrust(action, payload);
  // Whom stations trust outlives the request: not a token's that expires (outliving_grants.ts).
  if (changesTrust) refuseOutlivingGrant(principal, `send ${action} that changes whom stations trust`);
  await refuseOutlivingCommand(principal, action, payload, null);
  if (changesTrust && !(principal && hasRole(principal, "admin"))) {
    throw new ApiError(403, "forbidden", `${action} changes whom stations trust: it needs the "admin" role`, {
      required: "admin",
    });
  }
}

function stripUndefined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

/**
 * zod schemas of the fleet operations' answers (they document the API; they are not checked at run time).
 */
import { z } from "zod";
import { TRANSACTION_FLAG_KINDS } from "../../model/transaction_flag.ts";
import { TASK_OUTCOMES } from "../../store/fleet.ts";
import { WEBHOOK_EVENT_TYPES } from "../../fleet/webhook_events.ts";
import { TransactionSchema } from "./schemas.ts";

const outcome = z.enum(TASK_OUTCOMES as [string, ...string[]]);
const campaignResult = z.enum(["installed", "failed", "timed_out"]);

export const TaskCountsSchema = z.object({
  pending: z.number().int(),
  running: z.number().int(),
  waiting: z.number().int().describe("Campaigns: accepted, following the firmware status notifications"),
  done: z.number().int(),
  outcomes: z.record(z.string(), z.number().int()).describe("Finished tasks by outcome"),
  results: z.record(z.string(), z.number().int()).describe("Campaigns: installed, failed, timed_out"),
});

export const JobSchema = z.object({
  id: z.string(),
  action: z.string(),
  payload: z.unknown(),
  force: z.boolean(),
  target: z.object({
    kind: z.enum(["chargePointIds", "filter", "site"]),
    search: z.string().optional(),
    online: z.boolean().optional(),
    siteId: z.string().optional(),
  }),
  concurrency: z.number().int(),
  state: z.enum(["running", "finished", "cancelled"]),
  total: z.number().int(),
  campaign: z.object({ deadline: z.string() }).nullable().describe(
    "UpdateFirmware jobs: the status notifications are followed until this time",
  ),
  createdBy: z.string(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const JobTaskSchema = z.object({
  jobId: z.string(),
  chargePointId: z.string(),
  state: z.enum(["pending", "running", "waiting", "done"]),
  outcome: outcome.nullable(),
  response: z.unknown().describe("The station's answer, its CALLERROR, or { reason }"),
  attempts: z.number().int(),
  claimedBy: z.string().nullable(),
  claimUntil: z.string().nullable(),
  startedAt: z.string().nullable(),
  sentAt: z.string().nullable().describe(
    "When its command was marked as leaving for the station (it may have acted from then on); null: never sent",
  ),
  finishedAt: z.string().nullable(),
  firmwareStatus: z.string().nullable(),
  result: campaignResult.nullable(),
});

export const JobDetailSchema = JobSchema.extend({
  counts: TaskCountsSchema,
  tasks: z.object({ items: z.array(JobTaskSchema), nextCursor: z.string().nullable() }),
});

export const WebhookSubscriptionSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  enabled: z.boolean(),
  description: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const WebhookCreatedSchema = WebhookSubscriptionSchema.extend({
  secret: z.string().describe("The HMAC-SHA256 key of X-CSMS-Signature; shown only now"),
});

const DeliveryAttemptSchema = z.object({
  at: z.string(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
});

export const WebhookDeliverySchema = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  eventType: z.string(),
  payload: z.unknown(),
  state: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  nextAttemptAt: z.string(),
  claimedBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  log: z.array(DeliveryAttemptSchema),
});

export const DeliveryAttemptResultSchema = DeliveryAttemptSchema;

export const ReservationSchema = z.object({
  reservationId: z.number().int(),
  chargePointId: z.string(),
  connectorId: z.number().int(),
  idTag: z.string(),
  parentIdTag: z.string().nullable(),
  expiryDate: z.string(),
  state: z.enum(["active", "used", "expired", "cancelled"]),
  createdBy: z.string(),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
  transactionId: z.number().int().nullable(),
  unconfirmed: z.boolean().describe(
    "Held without the station's word: its ReserveNow got no answer we could read (timed out, connection or " +
      "node lost), so the station may or may not hold it; false once it answered Accepted. Kept once ended",
  ),
});

export const StationListSchema = z.object({
  chargePointId: z.string(),
  version: z.number().int().nullable().describe("The version the station holds, as far as we know"),
  status: z.enum(["synced", "pending", "not_supported", "failed", "too_large"]),
  detail: z.string().nullable(),
  lastSyncAt: z.string().nullable(),
  updatedAt: z.string(),
});

export const LocalListSchema = z.object({
  version: z.number().int(),
  members: z.array(z.string()),
  stations: z.array(StationListSchema),
});

export const DataTransferSchema = z.object({
  id: z.string(),
  chargePointId: z.string(),
  vendorId: z.string(),
  messageId: z.string().nullable(),
  data: z.string().nullable(),
  receivedAt: z.string(),
  status: z.enum(["Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId"]),
  responseData: z.string().nullable(),
});

export const DataTransferRuleSchema = z.object({
  vendorId: z.string(),
  messageId: z.string().describe('"" answers every messageId of the vendor without a rule of its own'),
  status: z.enum(["Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId"]),
  data: z.string().nullable(),
  updatedBy: z.string(),
  updatedAt: z.string(),
  version: z.number().int().describe(
    "1 for a new rule, one more at each change: a change's `expectedVersion`",
  ),
});

export const TransactionFlagSchema = z.object({
  transactionId: z.number().int(),
  kind: z.enum(TRANSACTION_FLAG_KINDS),
  chargePointId: z.string(),
  connectorId: z.number().int(),
  at: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const ClosedTransactionSchema = TransactionSchema;

export const AlertSchema = z.object({
  kind: z.enum(["offline", "faulted"]),
  chargePointId: z.string(),
  connectorId: z.number().int().nullable(),
  since: z.string(),
  detail: z.string(),
});

export const FleetSettingsSchema = z.object({
  retention: z.object({
    meterValuesDays: z.number(),
    statusHistoryDays: z.number(),
    framesMinutes: z.number(),
    webhookDeliveriesDays: z.number(),
    dataTransfersDays: z.number(),
    commandLogDays: z.number(),
  }),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

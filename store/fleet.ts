/**
 * The FleetStore: what fleet operations keep (issue 15), as small interfaces composed into one object, beside
 * the Store. Two backends (`store/kv/fleet.ts`, `store/postgres/fleet.ts`) and one contract suite
 * (`store/contract/fleet.ts`).
 *
 * Everything a background worker does is claimed in the store, never held only in a process's memory: job
 * tasks and webhook deliveries are claimed atomically with a lease (two processes never send the same task or
 * delivery at once), periodic sweeps (reservation expiry, retention) take a named lease first. Times are
 * ISO 8601 UTC strings with milliseconds, like the Store's.
 */
import type { TransactionFlag, TransactionFlagKind } from "../model/transaction_flag.ts";
import type { UnknownIdTag } from "../model/unknown_id_tag.ts";

export type { TransactionFlag, TransactionFlagKind };

// ------------------------------------------------------------------------------------------------ jobs

/** How one station's command ended; the command log's outcomes, plus `cancelled` (never sent). */
export type TaskOutcome =
  | "accepted"
  | "not_connected"
  | "timeout"
  | "callerror"
  | "refused"
  | "invalid"
  | "cancelled";

export const TASK_OUTCOMES: readonly TaskOutcome[] = [
  "accepted",
  "not_connected",
  "timeout",
  "callerror",
  "refused",
  "invalid",
  "cancelled",
];

/**
 * - pending: not sent yet;
 * - running: claimed by a worker (`claimedBy`) until `claimUntil`, the command is on its way;
 * - waiting: answered, and a firmware campaign follows the station's FirmwareStatusNotifications;
 * - done: finished with `outcome` (a campaign's `result` says installed or failed).
 */
export type TaskState = "pending" | "running" | "waiting" | "done";

export type JobState = "running" | "finished" | "cancelled";

/** Who a job was for, as the operator asked (the station ids are resolved once, at creation). */
export type JobTarget =
  | { kind: "chargePointIds" }
  | { kind: "filter"; search?: string; online?: boolean }
  | { kind: "site"; siteId: string };

export interface JobRecord {
  /** Sorts by creation time. */
  id: string;
  action: string;
  payload: unknown;
  /** Sent even when a connector's state makes the command pointless. */
  force: boolean;
  target: JobTarget;
  /** At most this many of its stations have a command in flight at once (cluster-wide). */
  concurrency: number;
  state: JobState;
  /** How many stations it has. */
  total: number;
  /** An UpdateFirmware job that follows the firmware status notifications until this time. */
  campaign: { deadline: string } | null;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
}

export type CampaignResult = "installed" | "failed" | "timed_out";

export interface JobTaskRecord {
  jobId: string;
  chargePointId: string;
  state: TaskState;
  outcome: TaskOutcome | null;
  /** The station's answer (accepted), its CALLERROR (callerror) or why (refused, invalid). */
  response: unknown;
  attempts: number;
  claimedBy: string | null;
  claimUntil: string | null;
  startedAt: string | null;
  /**
   * When the node holding the station marked the task's CALL as leaving (`markTaskSent`), written before the
   * CALL can reach the station: from then on it may have acted, so the task is never sent again by itself.
   * Null: the CALL never left (a claim lost with its process is then given back, pending again).
   */
  sentAt: string | null;
  finishedAt: string | null;
  /** Campaigns: the last firmware status the station reported, and how it ended. */
  firmwareStatus: string | null;
  result: CampaignResult | null;
}

export interface TaskCounts {
  pending: number;
  running: number;
  waiting: number;
  done: number;
  /** Finished tasks by outcome. */
  outcomes: Partial<Record<TaskOutcome, number>>;
  /** Campaign results. */
  results: Partial<Record<CampaignResult, number>>;
}

/** What a worker writes when a task's command has ended. */
export interface TaskUpdate {
  state: "waiting" | "done";
  outcome: TaskOutcome;
  response: unknown;
  finishedAt: string | null;
  result?: CampaignResult | null;
  firmwareStatus?: string | null;
}

export interface JobStore {
  /** Stores the job and one pending task per station; the job is visible only once all are written. */
  createJob(job: JobRecord, chargePointIds: readonly string[]): Promise<void>;
  getJob(id: string): Promise<JobRecord | null>;
  /** Newest first; `before`: a job id (cursor). */
  listJobs(page: { before?: string; limit: number }): Promise<JobRecord[]>;
  /** Jobs in state running (what workers look at). */
  listRunningJobs(): Promise<JobRecord[]>;
  getTask(jobId: string, chargePointId: string): Promise<JobTaskRecord | null>;
  /** Sorted by charge point id; `after`: a charge point id (cursor). */
  listTasks(
    jobId: string,
    page: { after?: string; limit: number; state?: TaskState },
  ): Promise<JobTaskRecord[]>;
  countTasks(jobId: string): Promise<TaskCounts>;
  /**
   * Claims up to `max` pending tasks of a running job for `holder` until `until`, never more than the job's
   * concurrency minus the tasks held (running, claim not expired), atomically: two workers never claim the
   * same task, and together they never exceed the concurrency.
   */
  claimTasks(
    jobId: string,
    holder: string,
    now: string,
    until: string,
    max: number,
  ): Promise<JobTaskRecord[]>;
  /** Extends the claims `holder` still has; returns how many it still had. */
  renewClaims(
    jobId: string,
    chargePointIds: readonly string[],
    holder: string,
    until: string,
  ): Promise<number>;
  /**
   * Marks a running task's CALL as leaving for its station (`sentAt`, kept when already marked), only while
   * `holder` holds its claim (expired or not: a claim is taken from its holder only by a write, which this one
   * is atomic with). False otherwise: the claim was given back or finished, and the CALL must not go.
   */
  markTaskSent(jobId: string, chargePointId: string, holder: string, at: string): Promise<boolean>;
  /**
   * Gives back claims `holder` still has on tasks whose CALL was never marked sent (it is stopping, or the mark
   * failed): each becomes pending again (its attempt not counted), or done `cancelled` when the job no longer
   * runs. A marked task keeps its claim. Returns how many.
   */
  releaseClaims(jobId: string, chargePointIds: readonly string[], holder: string): Promise<number>;
  /** Tasks running whose claim expired before `now` (their worker stopped). */
  listExpiredClaims(jobId: string, now: string): Promise<JobTaskRecord[]>;
  /**
   * A running task whose claim expired at `now` and whose CALL was never marked sent (its worker died before
   * the CALL left) is given back as `releaseClaims` does, whoever held it. False otherwise (marked: it may
   * have reached its station, and ends `timeout` through `finishTask`).
   */
  releaseExpiredClaim(jobId: string, chargePointId: string, now: string): Promise<boolean>;
  /**
   * Ends a running task, only while `holder` holds it (or, with `holder` null, while its claim is expired at
   * `now`). False when someone else's or not running.
   */
  finishTask(
    jobId: string,
    chargePointId: string,
    holder: string | null,
    now: string,
    update: TaskUpdate,
  ): Promise<boolean>;
  /** A waiting (campaign) task: new firmware status, and with `result` it is done. False unless waiting. */
  updateWaitingTask(
    jobId: string,
    chargePointId: string,
    update: { firmwareStatus: string; result: CampaignResult | null; at: string },
  ): Promise<boolean>;
  /** Campaign tasks waiting for this station's firmware status. */
  listWaitingTasks(chargePointId: string): Promise<JobTaskRecord[]>;
  /**
   * Marks a running job finished when none of its tasks is pending, running or waiting; returns the job
   * only to the one caller whose write finished it (so "job finished" is announced once).
   */
  finishJobIfDone(jobId: string, at: string): Promise<JobRecord | null>;
  /**
   * Tasks done with an outcome in `outcomes` become pending again (unmarked: sent anew) and the job runs again;
   * returns how many. Null, nothing changed, for a job cancelled (judged with the write: a cancel that came
   * first, however close, stands).
   */
  retryTasks(jobId: string, outcomes: readonly TaskOutcome[]): Promise<number | null>;
  /**
   * Pending tasks become done (cancelled), the job cancelled (finished at `at`); running ones finish later.
   * `cancelledNow` is true only for the one caller whose write cancelled a running job. Null for an unknown job.
   */
  cancelJob(jobId: string, at: string): Promise<{ job: JobRecord; cancelledNow: boolean } | null>;
}

// ------------------------------------------------------------------------------------------------ webhooks

export interface WebhookSubscription {
  id: string;
  url: string;
  /** Event types delivered (see fleet/webhook_events.ts). */
  events: string[];
  /** HMAC-SHA256 key of the signature header; shown once, at creation. */
  secret: string;
  enabled: boolean;
  description: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export type DeliveryState = "pending" | "delivered" | "failed";

export interface DeliveryAttempt {
  at: string;
  /** HTTP status, null when no answer came (refused, timed out, blocked by the URL policy). */
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  /** Sorts by creation time; also the `x-csms-delivery` header, for the receiver to drop duplicates. */
  id: string;
  subscriptionId: string;
  eventType: string;
  /** The JSON body sent. */
  payload: unknown;
  state: DeliveryState;
  attempts: number;
  /** When it is due (pending), or when the claim of the worker sending it runs out. */
  nextAttemptAt: string;
  claimedBy: string | null;
  createdAt: string;
  finishedAt: string | null;
  /** The last attempts, oldest first (bounded). */
  log: DeliveryAttempt[];
}

export interface WebhookStore {
  putSubscription(subscription: WebhookSubscription): Promise<void>;
  getSubscription(id: string): Promise<WebhookSubscription | null>;
  /** Oldest first. */
  listSubscriptions(): Promise<WebhookSubscription[]>;
  /** Its deliveries stay in the log. False when there was none. */
  deleteSubscription(id: string): Promise<boolean>;
  enqueueDeliveries(deliveries: readonly WebhookDelivery[]): Promise<void>;
  /**
   * Claims up to `max` pending deliveries due at `now` for `holder`, atomically, until `until` (their
   * `nextAttemptAt` becomes `until`, so a delivery whose worker died is due again then). Deliveries of the
   * subscriptions in `skip` are left pending (the caller has enough of theirs in flight).
   */
  claimDeliveries(
    holder: string,
    now: string,
    until: string,
    max: number,
    skip?: readonly string[],
  ): Promise<WebhookDelivery[]>;
  /** Writes an attempt's result, only while `holder` holds the delivery. False otherwise. */
  recordAttempt(
    id: string,
    holder: string,
    update: { state: DeliveryState; nextAttemptAt: string; attempt: DeliveryAttempt; maxLog: number },
  ): Promise<boolean>;
  getDelivery(id: string): Promise<WebhookDelivery | null>;
  /** Newest first; `before`: a delivery id. */
  listDeliveries(
    query: { subscriptionId?: string; state?: DeliveryState; before?: string; limit: number },
  ): Promise<WebhookDelivery[]>;
  /** Deletes up to `max` finished deliveries created before `before`; returns how many. */
  pruneDeliveries(before: string, max: number): Promise<number>;
}

// ------------------------------------------------------------------------------------------------ reservations

export type ReservationState = "active" | "used" | "expired" | "cancelled";

export interface ReservationRecord {
  /** Allocated by the CSMS: positive 32-bit, never reused. */
  reservationId: number;
  chargePointId: string;
  connectorId: number;
  idTag: string;
  parentIdTag: string | null;
  expiryDate: string;
  state: ReservationState;
  createdBy: string;
  createdAt: string;
  endedAt: string | null;
  /** Why it ended: "transaction started", "expired", "cancelled by user:alice", "connector 1 is Faulted". */
  endReason: string | null;
  /** The transaction that used it. */
  transactionId: number | null;
  /**
   * Held without the station's word: its ReserveNow got no answer we could read (timed out, its connection or
   * node lost, given up), so the station may or may not hold it. Cleared by the station's Accepted, however
   * late; kept once ended, so the history says it was never confirmed.
   */
  unconfirmed: boolean;
}

/** What a ReserveNow asks a station to hold. */
export type ReservationContent = Pick<
  ReservationRecord,
  "connectorId" | "idTag" | "parentIdTag" | "expiryDate"
>;

export interface ReservationStore {
  /** A reservation id never handed out before (positive 32-bit). */
  newReservationId(): Promise<number>;
  /** Stores a new reservation; false when the id is taken. */
  createReservation(reservation: ReservationRecord): Promise<boolean>;
  getReservation(reservationId: number): Promise<ReservationRecord | null>;
  /** Newest first (descending id); `before`: a reservation id. */
  listReservations(
    query: { chargePointId?: string; state?: ReservationState; before?: number; limit: number },
  ): Promise<ReservationRecord[]>;
  /**
   * Ends an active reservation (used, expired or cancelled); returns it as ended, or null when it was not
   * active any more (someone else ended it first).
   */
  endReservation(
    reservationId: number,
    end: { state: Exclude<ReservationState, "active">; at: string; reason: string; transactionId?: number },
  ): Promise<ReservationRecord | null>;
  /**
   * Marks an active unconfirmed reservation confirmed (its station answered Accepted); returns it so, or null
   * when it was not active and unconfirmed.
   */
  confirmReservation(reservationId: number): Promise<ReservationRecord | null>;
  /**
   * The station accepted a ReserveNow under an active reservation's id with `accepted` as its content (OCPP 1.6
   * §5.13: it replaced the reservation): the reservation takes it, confirmed. Returns it so, or null when it
   * was not active.
   */
  reviseReservation(reservationId: number, accepted: ReservationContent): Promise<ReservationRecord | null>;
  /**
   * Active unconfirmed reservations, lowest id first, of ids above `after` when given (the sweep asks their
   * station's node what became of them, a page per round).
   */
  listUnconfirmedReservations(limit: number, after?: number): Promise<ReservationRecord[]>;
  /** Active reservations of a station, optionally of one connector. */
  listActiveReservations(chargePointId: string, connectorId?: number): Promise<ReservationRecord[]>;
  /** Active reservations whose expiryDate is at or before `now`, soonest first. */
  listDueExpiries(now: string, limit: number): Promise<ReservationRecord[]>;
}

// ------------------------------------------------------------------------------------------------ local lists

export interface LocalListChange {
  /** The list version this change made (strictly increasing, cluster-wide). */
  version: number;
  idTag: string;
  /** upsert: added or its authorization changed; remove: taken off the list (or deleted). */
  op: "upsert" | "remove";
  at: string;
}

export type StationListStatus =
  | "synced"
  | "pending"
  | "not_supported"
  | "failed"
  | "too_large";

export interface StationListRecord {
  chargePointId: string;
  /** The version we know the station holds; null when unknown (never synced, or a sync was interrupted). */
  version: number | null;
  status: StationListStatus;
  /** Why the last sync failed or stopped. */
  detail: string | null;
  lastSyncAt: string | null;
  updatedAt: string;
}

export interface LocalListStore {
  /**
   * Puts a tag on the managed list (member true) or takes it off; a real change bumps the list version and
   * records the change. Returns the version after it (unchanged when nothing changed).
   */
  setMember(idTag: string, member: boolean, at: string): Promise<number>;
  /** A member tag's authorization changed: records an upsert (a new version). Null when not a member. */
  touchMember(idTag: string, at: string): Promise<number | null>;
  isMember(idTag: string): Promise<boolean>;
  /** Every member, sorted. */
  listMembers(): Promise<string[]>;
  /** The current list version (0: nothing ever changed). */
  currentVersion(): Promise<number>;
  /**
   * The changes after `version`, oldest first; null when they are no longer all kept (then only a Full
   * update is right).
   */
  changesSince(version: number): Promise<LocalListChange[] | null>;
  /** Forgets changes older than `version` (what every station has, or a bound). */
  pruneChanges(beforeVersion: number): Promise<number>;
  getStationList(chargePointId: string): Promise<StationListRecord | null>;
  putStationList(record: StationListRecord): Promise<void>;
  /** Sorted by charge point id. */
  listStationLists(): Promise<StationListRecord[]>;
}

// ------------------------------------------------------------------------------------------------ data transfer

export type DataTransferStatus = "Accepted" | "Rejected" | "UnknownMessageId" | "UnknownVendorId";

export interface DataTransferRecord {
  /** Begins with the receive time (ISO 8601), so it sorts by it (pruning relies on that). */
  id: string;
  chargePointId: string;
  vendorId: string;
  messageId: string | null;
  data: string | null;
  receivedAt: string;
  /** What we answered. */
  status: DataTransferStatus;
  responseData: string | null;
}

/** How DataTransfer.req from stations is answered: per vendorId, and messageId ("" for any other). */
export interface DataTransferRule {
  vendorId: string;
  messageId: string;
  status: DataTransferStatus;
  data: string | null;
  updatedBy: string;
  updatedAt: string;
  /** 1 for a new rule, one more at each change: what an operator's change names as the rule it saw. */
  version: number;
}

/** A rule as a change writes it: the store counts its version. Null: the rule is deleted. */
export type DataTransferRuleChange = Omit<DataTransferRule, "version"> | null;

export interface DataTransferStore {
  appendDataTransfer(record: DataTransferRecord): Promise<void>;
  /** Newest first; `before`: an id. */
  listDataTransfers(
    query: { chargePointId?: string; before?: string; limit: number },
  ): Promise<DataTransferRecord[]>;
  /** Deletes up to `max` records received before `before`; returns how many. */
  pruneDataTransfers(before: string, max: number): Promise<number>;
  /**
   * Sets or deletes the rule of `vendorId` and `messageId` as `change` decides from the vendor's rules
   * (sorted by messageId), atomically against every other `changeRule` of that vendor: two operators at once
   * cannot both decide on the rules as they were (`change` may run again, on the newer rules). `change` throws
   * to write nothing. Answers the rule before and after (null: none).
   */
  changeRule(
    vendorId: string,
    messageId: string,
    change: (vendorRules: readonly DataTransferRule[]) => DataTransferRuleChange,
  ): Promise<{ before: DataTransferRule | null; after: DataTransferRule | null }>;
  getRule(vendorId: string, messageId: string): Promise<DataTransferRule | null>;
  /** Sorted by vendorId, then messageId. */
  listRules(): Promise<DataTransferRule[]>;
}

// ------------------------------------------------------------------------------------------------ unknown id tags

export interface UnknownIdTagStore {
  /**
   * Adds what a process saw since it last wrote (one tally per tag by `idTagKey`), merged with what is stored
   * (`mergeUnknownIdTag`), in one write; then keeps only the `keep` tags seen most recently.
   */
  recordUnknownIdTags(seen: readonly UnknownIdTag[], keep: number): Promise<void>;
  /** Most recently seen first. */
  listUnknownIdTags(limit: number): Promise<UnknownIdTag[]>;
  /**
   * Up to `limit` tags in `idTagKey` order, those after the key `after` (from the first when null): a bounded
   * page for a round that visits every kept tag in turn (the recorder's forgetting of tags added since).
   */
  listUnknownIdTagsAfter(after: string | null, limit: number): Promise<UnknownIdTag[]>;
  /** Matched case-insensitively; false when it was not there. */
  forgetUnknownIdTag(idTag: string): Promise<boolean>;
}

// ------------------------------------------------------------------------------------------------ transactions

export interface TransactionFlagStore {
  /**
   * Stores a flag once per (transactionId, kind); false when it was there (the first kept: a flag raised
   * again, by a scan or a later event, changes nothing). A commit's flags replace theirs (`StationChanges`).
   */
  addFlag(flag: TransactionFlag): Promise<boolean>;
  listFlags(
    query: { kind?: TransactionFlagKind; transactionId?: number; limit: number },
  ): Promise<TransactionFlag[]>;
  /**
   * The flags of `kind` on transactions still active (of `chargePointId`'s), newest transaction first: read
   * from the active transactions (at most one a connector), so a flag years old is found as fast as today's,
   * and the history of flags is never scanned. `running`: the active transactions' ids, when the caller has just
   * read them (the overview's scan), so the store does not read them again.
   */
  listActiveFlags(
    query: { kind: TransactionFlagKind; chargePointId?: string; limit: number; running?: readonly number[] },
  ): Promise<TransactionFlag[]>;
}

// ------------------------------------------------------------------------------------------------ settings

/** Days (or minutes) to keep each kind of data; 0 keeps it for ever. */
export interface RetentionSettings {
  meterValuesDays: number;
  statusHistoryDays: number;
  /** The in-memory OCPP frame log of each process. */
  framesMinutes: number;
  webhookDeliveriesDays: number;
  dataTransfersDays: number;
  /** The commands sent to stations, the server's own included (a managed local list asks at every connect). */
  commandLogDays: number;
}

/** Settings operators change at run time, shared by every process. */
export interface FleetSettings {
  retention: RetentionSettings;
  updatedBy: string | null;
  updatedAt: string | null;
}

export const DEFAULT_FLEET_SETTINGS: FleetSettings = {
  retention: {
    meterValuesDays: 0,
    statusHistoryDays: 0,
    framesMinutes: 0,
    webhookDeliveriesDays: 30,
    dataTransfersDays: 0,
    commandLogDays: 0,
  },
  updatedBy: null,
  updatedAt: null,
};

/** Settings saved by an older version lack the newer fields: the defaults fill them in. */
export function withDefaultSettings(stored: Partial<FleetSettings>): FleetSettings {
  return {
    retention: { ...DEFAULT_FLEET_SETTINGS.retention, ...stored.retention },
    updatedBy: stored.updatedBy ?? null,
    updatedAt: stored.updatedAt ?? null,
  };
}

export interface FleetSettingsStore {
  /** The defaults until someone saves settings. */
  getSettings(): Promise<FleetSettings>;
  putSettings(settings: FleetSettings): Promise<void>;
  /**
   * Stores `change(current)` atomically against every other change (two admins saving different fields at
   * once both keep theirs); `change` may run again on newer settings. Gives what is stored.
   */
  changeSettings(change: (current: FleetSettings) => FleetSettings): Promise<FleetSettings>;
}

/** Named leases: one holder at a time runs a periodic sweep, cluster-wide. */
export interface LeaseStore {
  /** Takes (or renews) the lease when it is free, expired or already `holder`'s. */
  acquireLease(name: string, holder: string, now: string, until: string): Promise<boolean>;
  /**
   * Extends `holder`'s lease to `until`; false when it is no longer `holder`'s (another took it over after it
   * expired, or it was released since), so a holder that stood still learns it lost the lease. An expired lease
   * nobody took is still `holder`'s. Never takes a free lease.
   */
  renewLease(name: string, holder: string, until: string): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
}

/** Batched deletion of old rows of the main Store (meter values, status history). */
export interface RetentionStore {
  /** Deletes up to `max` meter values received before `before`; returns how many. */
  pruneMeterValues(before: string, max: number): Promise<number>;
  /**
   * Deletes up to `max` status history entries received before `before`, file transfer statuses included;
   * returns how many.
   */
  pruneStatusHistory(before: string, max: number): Promise<number>;
  /** Deletes up to `max` command log entries requested before `before`; returns how many. */
  pruneCommandLog(before: string, max: number): Promise<number>;
}

export interface FleetStore {
  jobs: JobStore;
  webhooks: WebhookStore;
  reservations: ReservationStore;
  localLists: LocalListStore;
  dataTransfers: DataTransferStore;
  unknownIdTags: UnknownIdTagStore;
  flags: TransactionFlagStore;
  settings: FleetSettingsStore;
  leases: LeaseStore;
  retention: RetentionStore;
  close(): Promise<void>;
}

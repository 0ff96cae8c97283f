/**
 * Fleet operations (issue 15), assembled: jobs and firmware campaigns, webhooks, reservations, the managed
 * local list, DataTransfer rules, stuck transactions, alerts and retention; their background loops; and the
 * station events they follow. Built by server.ts; the routes talk to the services returned here.
 *
 * Every background loop keeps its work in the FleetStore and claims it there (job tasks, deliveries) or takes
 * a lease first (reservation expiry, retention), so several processes on one database share the work without
 * doing anything twice.
 *
 * @example
 * ```ts ignore
 * const fleet = createFleet({ store, fleet: fleetStore, registry, stationEvents: events, frames, now, logger, settings });
 * fleet.start();
 * await fleet.jobs.create({ action: "Reset", payload: { type: "Soft" }, chargePointIds: ["CP-1"] }, "user:alice");
 * await fleet.stop();
 * ```
 */
import type { EventBus } from "../actors/events.ts";
import { EventBus as Bus } from "../actors/events.ts";
import type { FrameLog } from "../actors/frame_log.ts";
import type { Registry } from "../actors/registry.ts";
import type { Logger } from "../logger.ts";
import type { SecurityEventLog } from "../security/security_events.ts";
import type { FleetStore } from "../store/fleet.ts";
import type { Store } from "../store/mod.ts";
import { listAlerts } from "./alert_list.ts";
import { createCommandSender, type ProfileCommands } from "./command_sender.ts";
import { DataTransferDesk } from "./data_transfers.ts";
import type { FleetEvent, FleetEventBus } from "./events.ts";
import { timeSortableIds } from "./ids.ts";
import { JobRunner } from "./job_runner.ts";
import { JobService, type SiteDirectory } from "./job_service.ts";
import { LocalListSync } from "./local_list_sync.ts";
import { ReservationService } from "./reservation_service.ts";
import { RetentionWorker } from "./retention.ts";
import { StuckTransactions } from "./stuck_transactions.ts";
import { UnknownIdTagRecorder } from "./unknown_id_tags.ts";
import { WebhookDispatcher } from "./webhook_dispatcher.ts";
import { webhookEventOfJob, webhookEventOfSecurity, webhookEventOfStation } from "./webhook_events.ts";
import { postWebhook, type WebhookPost } from "./webhook_transport.ts";
import { type Resolve, resolveWithDns, webhookUrlPolicy } from "./webhook_url_policy.ts";
import { WorkerLoop } from "./worker_loop.ts";
import type { LoopFailures } from "./loop_failures.ts";

export interface FleetSettings {
  jobMaxStations: number;
  jobMaxConcurrency: number;
  jobDefaultConcurrency: number;
  /** How long a job task's claim lasts without renewal. */
  jobClaimMs: number;
  campaignHours: number;
  webhookAllowLoopback: boolean;
  webhookAllowedNetworks: string;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  webhookBackoffBaseMs: number;
  webhookBackoffMaxMs: number;
  /** How often the job and webhook workers look for work queued by other processes. */
  pollMs: number;
  reservationSweepMs: number;
  localListSyncMs: number;
  retentionMs: number;
  /** A station offline longer than this is an alert (ATTENTION_OFFLINE_MIN, as on the overview). */
  offlineAfterMinutes: number;
  /** Unknown id tags kept for operators (the most recently presented). */
  unknownIdTagsKeep: number;
  /** How often what stations presented is written (default 2000 ms). */
  unknownIdTagsFlushMs?: number;
}

export interface FleetDeps {
  store: Store;
  fleet: FleetStore;
  registry: Registry;
  stationEvents: EventBus;
  /**
   * The other nodes' station events, in a cluster: only the reservations asked here hear them
   * (`ReservationService.otherNodeEvent`); the rest of the domain follows this process's stations alone.
   */
  otherNodesEvents?: Pick<EventBus, "subscribe">;
  securityEvents?: Pick<SecurityEventLog, "subscribe">;
  frames: Pick<FrameLog, "pruneBefore">;
  now: () => Date;
  logger: Logger;
  /** This process among the cluster's (claims and leases name it). */
  holder: string;
  settings: FleetSettings;
  resolve?: Resolve;
  post?: WebhookPost;
  sites?: SiteDirectory;
  /** Load management's say on charging profile commands a job sends (energy/). */
  profiles?: ProfileCommands;
  /** The DataTransfer desk the actors answer with (made before the registry); one of our own otherwise. */
  dataTransfers?: DataTransferDesk;
  /** Where the loops' failures in a row are kept for the admins' server warnings. */
  loopFailures?: LoopFailures;
}

export type Fleet = ReturnType<typeof createFleet>;

export function createFleet(deps: FleetDeps) {
  const { fleet: store, logger, now, settings, holder, loopFailures } = deps;
  const log = logger.with({ component: "fleet" });
  const events: FleetEventBus = new Bus<FleetEvent>();
  const newId = timeSortableIds();
  const send = createCommandSender({
    registry: deps.registry,
    store: deps.store,
    logger: log,
    now,
    ...(deps.profiles ? { profiles: deps.profiles } : {}),
  });

  const webhookPolicy = webhookUrlPolicy({
    allowLoopback: settings.webhookAllowLoopback,
    allowedNetworks: settings.webhookAllowedNetworks,
  });
  const resolve = deps.resolve ?? resolveWithDns;
  const webhooks = new WebhookDispatcher({
    webhooks: store.webhooks,
    policy: webhookPolicy,
    resolve,
    post: deps.post ?? postWebhook,
    now,
    newId,
    holder,
    logger: log,
    settings: {
      timeoutMs: settings.webhookTimeoutMs,
      maxAttempts: settings.webhookMaxAttempts,
      backoffBaseMs: settings.webhookBackoffBaseMs,
      backoffMaxMs: settings.webhookBackoffMaxMs,
      concurrency: 100,
      perSubscription: 4,
      subscriptionCacheMs: 5000,
    },
    poke: () => webhookLoop.poke(),
  });
  /** Follow-ups of events still running: stop() waits for them, so nothing writes after the stores close. */
  const pending = new Set<Promise<unknown>>();
  const quietly = (what: string, work: Promise<unknown>) => {
    const tracked = work.catch((error) => log.warn(`${what} failed`, { error: String(error) }))
      .finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  const emit = (event: Parameters<WebhookDispatcher["emit"]>[0]) =>
    quietly(`queueing webhook event ${event.type}`, webhooks.emit(event));

  const runner = new JobRunner({
    jobs: store.jobs,
    send,
    events,
    now,
    holder,
    logger: log,
    leaseMs: settings.jobClaimMs,
    onFinished: (job, counts) => emit(webhookEventOfJob(job, counts)),
    poke: () => jobLoop.poke(),
    fileStatus: deps.store,
  });
  const jobs = new JobService({
    jobs: store.jobs,
    store: deps.store,
    registry: deps.registry,
    events,
    now,
    newId,
    poke: () => jobLoop.poke(),
    onFinished: (job, counts) => emit(webhookEventOfJob(job, counts)),
    ...(deps.sites ? { sites: deps.sites } : {}),
    settings: {
      maxStations: settings.jobMaxStations,
      maxConcurrency: settings.jobMaxConcurrency,
      defaultConcurrency: settings.jobDefaultConcurrency,
      campaignHours: settings.campaignHours,
    },
  });
  const reservations = new ReservationService({
    reservations: store.reservations,
    send,
    registry: deps.registry,
    snapshotOf: (id) => deps.store.getChargePoint(id),
    events,
    parentOf: async (idTag) => (await deps.store.getIdTag(idTag))?.parentIdTag ?? null,
    flags: store.flags,
    commandLog: (id, action, since, limit) => deps.store.listCommandLogSince(id, action, since, limit),
    now,
    logger: log,
  });
  const localList = new LocalListSync({
    localLists: store.localLists,
    idTags: deps.store,
    send,
    registry: deps.registry,
    now,
    logger: log,
  });
  const dataTransfers = deps.dataTransfers ??
    new DataTransferDesk({ dataTransfers: store.dataTransfers, now, newId });
  const stuck = new StuckTransactions({
    store: deps.store,
    flags: store.flags,
    registry: deps.registry,
    stationEvents: deps.stationEvents,
    now,
    logger: log,
  });
  const retention = new RetentionWorker({
    fleet: store,
    frames: deps.frames,
    holder,
    now,
    logger: log,
    batch: 1000,
    leaseMs: settings.retentionMs * 2,
  });

  const jobLoop = new WorkerLoop("jobs", settings.pollMs, () => runner.tick(), log, loopFailures);
  const webhookLoop = new WorkerLoop("webhooks", settings.pollMs, () => webhooks.tick(), log, loopFailures);
  const reservationLoop = new WorkerLoop(
    "reservations",
    settings.reservationSweepMs,
    async () => {
      const t = now();
      const until = new Date(t.getTime() + settings.reservationSweepMs * 3).toISOString();
      if (await store.leases.acquireLease("reservation-expiry", holder, t.toISOString(), until)) {
        await reservations.expireDue();
        await reservations.settleUnconfirmed();
      }
    },
    log,
    loopFailures,
  );
  const localListLoop = new WorkerLoop(
    "local-list",
    settings.localListSyncMs,
    () => localList.syncBehind(),
    log,
    loopFailures,
  );
  const retentionLoop = new WorkerLoop(
    "retention",
    settings.retentionMs,
    async () => {
      await retention.tick();
    },
    log,
    loopFailures,
  );
  const unknownIdTags = new UnknownIdTagRecorder({
    store: store.unknownIdTags,
    logger: log,
    keep: settings.unknownIdTagsKeep,
    maxPending: Math.max(settings.unknownIdTagsKeep, 100),
    isKnown: async (idTag) => await deps.store.getIdTag(idTag) !== null,
  });
  const unknownIdTagLoop = new WorkerLoop(
    "unknown-id-tags",
    settings.unknownIdTagsFlushMs ?? 2000,
    () => unknownIdTags.flush(),
    log,
    loopFailures,
  );
  const loops = [jobLoop, webhookLoop, reservationLoop, localListLoop, retentionLoop, unknownIdTagLoop];

  const unsubscribe: (() => void)[] = [];

  return {
    store,
    events,
    jobs,
    runner,
    webhooks,
    /** The SSRF policy's verdict on a subscription URL (webhook_url_policy.ts). */
    checkWebhookUrl: (url: string) => webhookPolicy.check(url, resolve),
    reservations,
    localList,
    dataTransfers,
    stuck,
    retention,
    alerts: () => listAlerts(deps, { offlineAfterMinutes: settings.offlineAfterMinutes }),
    /** Subscribes to the station and security events and starts the background loops. */
    start(): void {
      unsubscribe.push(deps.stationEvents.subscribe((event) => {
        // Load management's site events are not about one station. Meter values concern none of the follow-ups
        // below, and are the most frequent event: they cost no promises here.
        if (event.chargePointId === null || event.type === "meterValues") return;
        if (event.type === "unknownIdTag") return unknownIdTags.saw(event);
        const hook = webhookEventOfStation(event);
        if (hook) emit(hook);
        quietly("reservation follow-up", reservations.stationEvent(event));
        quietly("stuck transaction check", stuck.stationEvent(event));
        quietly("local list sync", localList.stationEvent(event));
        if (event.type === "firmwareStatus") {
          quietly(
            "firmware campaign",
            runner.firmwareStatus(event.chargePointId, event.status, event.at, event.requestId),
          );
        }
      }));
      if (deps.otherNodesEvents) {
        unsubscribe.push(deps.otherNodesEvents.subscribe((event) => {
          if (event.chargePointId !== null) {
            quietly("reservation follow-up", reservations.otherNodeEvent(event));
          }
        }));
      }
      if (deps.securityEvents) {
        unsubscribe.push(deps.securityEvents.subscribe((event) => emit(webhookEventOfSecurity(event))));
      }
      for (const loop of loops) loop.start();
    },
    /**
     * What a stop cut short leaves unwritten: tasks whose claim is neither given back nor ended (they lapse
     * after the claim's lease), and follow-ups of station events under way (webhook events being queued, a
     * reservation used or cancelled).
     */
    get unfinished(): { jobs: number; tasks: number; eventFollowUps: number; unknownIdTags: number } {
      return { ...runner.claimsHeld, eventFollowUps: pending.size, unknownIdTags: unknownIdTags.unstored };
    },
    /**
     * Stops the loops and waits for the commands and deliveries in flight; webhook attempts still waiting for
     * their receiver at `deadline` are cut short (recorded, so retried). Says how many it cut.
     */
    async stop(deadline?: AbortSignal): Promise<{ webhookAttempts: number }> {
      runner.stopSending();
      for (const stop of unsubscribe.splice(0)) stop();
      await Promise.all(loops.map((loop) => loop.stop()));
      // What stations presented since the last tick, before the stores close.
      await unknownIdTags.flush();
      await runner.drain();
      const webhookAttempts = await webhooks.drain(deadline);
      while (pending.size > 0) await Promise.all([...pending]);
      return { webhookAttempts };
    },
  };
}

/**
 * Wires a Store and a Config into a listening server: registry, app, listener (transport/listener.ts). Used by main.ts and by the
 * end-to-end tests (which start it on port 0).
 */
import { DroppedConnections } from "./transport/dropped_connections.ts";
import { commandAnswerBoundMs, type Config, securityEventRetention } from "./config.ts";
import { DECOMMISSIONED_REPORT_MS } from "./actors/charge_point.ts";
import type { SecurityEventLog } from "./security/security_events.ts";
import { ShutOut } from "./security/shut_out.ts";
import { EventBus } from "./actors/events.ts";
import type { VendorTable } from "./actors/handlers/mod.ts";
import { FrameLog } from "./actors/frame_log.ts";
import { Registry } from "./actors/registry.ts";
import { createLogger, type Logger } from "./logger.ts";
import { PrometheusMetrics } from "./metrics/prometheus.ts";
import { SimulatorControl } from "./simulator/control.ts";
import { createApp } from "./routes/app.ts";
import { createTransport } from "./transport/listener.ts";
import { UnreadRequests } from "./security/unread_requests.ts";
import { ensureFirstAdmin, FirstRunSetup } from "./auth/mod.ts";
import { HandshakeLog } from "./security/handshake_log.ts";
import { openKvAuthStore } from "./store/kv/auth.ts";
import type { AuthStore } from "./store/auth.ts";
import type { Store } from "./store/mod.ts";
import type { WriteHealth } from "./store/write_health.ts";
import { openKvStationSecurityStore } from "./store/kv/station_security.ts";
import type { StationSecurityStore } from "./store/station_security.ts";
import { createSecurity, type Security } from "./security/mod.ts";
import { exposureWarning } from "./security/exposure.ts";
import { ownServerWarnings, type ServerWarning } from "./routes/api/server_warnings.ts";
import { connectionCeiling } from "./security/open_files.ts";
import { createEnergy, type Energy, type Scheduler } from "./energy/mod.ts";
import { dialectAwareCommands } from "./energy/ocpp201_profiles.ts";
import { dialectOfStation } from "./actors/dialects.ts";
import { leasedSiteLocks } from "./energy/site_locks.ts";
import type { EnergyStore } from "./store/energy.ts";
import { openKvEnergyStore } from "./store/kv/energy.ts";
import { createSecurityExtension, type SecurityExtension } from "./files/security_extension.ts";
import type { CaMaterial } from "./pki/ca.ts";
import { openKvHandle } from "./store/kv/handle.ts";
import { kvSecurityExtension } from "./store/kv/security_extension.ts";
import type { SecurityExtensionStores } from "./store/security_extension.ts";
import { FolderBlobStore } from "./store/folder_blobs.ts";
import { actorSecurityServices, certificateRenewal } from "./actor_services.ts";
import { commandAnswerEffects } from "./command_answers.ts";
import { settleLateSecurityAnswer } from "./security/late_security_answers.ts";
import type { FleetStore } from "./store/fleet.ts";
import { openKvFleetStore } from "./store/kv/fleet.ts";
import { createFleet, type Fleet } from "./fleet/mod.ts";
import type { FleetEvent } from "./fleet/events.ts";
import { DataTransferDesk } from "./fleet/data_transfers.ts";
import { ledgerHolds } from "./fleet/ledger_holds.ts";
import { timeSortableIds } from "./fleet/ids.ts";
import { WorkerLoop } from "./fleet/worker_loop.ts";
import { LoopFailures } from "./fleet/loop_failures.ts";
import { FileRetention } from "./files/file_retention.ts";
import { PendingDeliverySweep } from "./pki/pending_delivery_sweep.ts";
import { PresentedCertificates } from "./pki/presented_certificate.ts";
import type { Resolve } from "./fleet/webhook_url_policy.ts";
import type { ClusterBackend } from "./cluster/mod.ts";
import { ClusterNode } from "./cluster/node.ts";
import { clusterNodeList } from "./cluster/node_list.ts";
import type { SecurityViews } from "./cluster/postgres_views.ts";
import { ShutdownDeadline } from "./shutdown_deadline.ts";

export interface ServerOptions {
  logger?: Logger;
  vendors?: VendorTable;
  now?: () => Date;
  /** Override the message id source (tests). */
  newMessageId?: () => string;
  /** Operator accounts; without one, a throwaway in-memory AuthStore (users only from ADMIN_USER). */
  auth?: AuthStore;
  /** Per-station security settings; without one, a throwaway in-memory store (tests). */
  stationSecurity?: StationSecurityStore;
  /** Sites and stored charging profiles; without one, a throwaway in-memory store (tests). */
  energy?: EnergyStore;
  /**
   * The Security extension's stores (PKI, files, blobs); without them, throwaway in-memory ones (tests).
   * UPLOAD_DIR, when set, takes the blobs either way.
   */
  securityExtension?: SecurityExtensionStores;
  /** How often the certificate renewal scan runs (default PKI_RENEW_SCAN_S; tests make it short). */
  renewalIntervalMs?: number;
  /** Called when the listener dies (e.g. EMFILE in accept); default: log and exit(70) so a supervisor restarts. */
  onListenerFailed?: (error: unknown) => void;
  /** How often the node listener checks that it still accepts (tests); default every second. */
  watchdogIntervalMs?: number;
  /** The process's metrics (main.ts also hands them to the store); default: a fresh set for this server. */
  metrics?: PrometheusMetrics;
  /** Fleet operations' store; without one, a throwaway in-memory store (tests). */
  fleet?: FleetStore;
  /**
   * Whether the store's writes fail (main.ts feeds it every group commit): readiness, a metric and the
   * actors' log lines follow it. Absent: nothing follows the writes (tests).
   */
  writeHealth?: WriteHealth;
  /** How webhook host names are resolved (tests); default DNS. */
  webhookResolve?: Resolve;
  /** This process's name in claims and leases; default host, pid and a random part. */
  holder?: string;
  /**
   * The cluster this process is a node of (named by the backend's bus); none: a single process, whose
   * registry knows only its own stations. The caller closes it after shutdown().
   */
  cluster?: ClusterBackend;
  /** The authentication back-off and the refused-handshake log shared by the cluster's nodes. */
  sharedSecurity?:
    & Pick<SecurityViews, "backoff" | "handshakes">
    & Partial<Pick<SecurityViews, "keyCheckBudgets">>;
}

export interface RunningServer {
  url: string;
  port: number;
  registry: Registry;
  events: EventBus;
  /** The live stream's events: this process's and, in a cluster, the other nodes'. */
  streamEvents: EventBus;
  /** This process as a cluster node, or null. */
  cluster: ClusterNode | null;
  handshakes: HandshakeLog;
  store: Store;
  auth: AuthStore;
  security: Security;
  energy: Energy;
  extension: SecurityExtension;
  metrics: PrometheusMetrics;
  fleet: Fleet;
  /** The decommissioned stations this process knows of (refused before upgrading). */
  shutOut: ShutOut;
  /**
   * Closes every station, waits for actors to save, stops listening, writes the queued security events. Does
   * not close the stores passed in. Its waits on the store end at `deadline` (default: SHUTDOWN_DEADLINE_S
   * from now), which then says what was abandoned.
   */
  shutdown(deadline?: ShutdownDeadline): Promise<void>;
}

export async function startServer(
  config: Config,
  store: Store,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const now = options.now ?? (() => new Date());
  const ownAuth = options.auth === undefined;
  const auth = options.auth ?? await openKvAuthStore(":memory:");
  await ensureFirstAdmin(
    auth,
    { username: config.ADMIN_USER, password: config.ADMIN_PASSWORD },
    logger,
    now(),
  );
  const setup = await FirstRunSetup.prepare(auth, logger);
  const ownStationSecurity = options.stationSecurity === undefined;
  const stationSecurity = options.stationSecurity ??
    await openKvStationSecurityStore(":memory:", securityEventRetention(config));
  const shared = options.sharedSecurity;
  const security = createSecurity(config, {
    store: stationSecurity,
    logger,
    now,
    ...(shared ? { backoff: (settings) => shared.backoff(settings) } : {}),
    ...(shared?.keyCheckBudgets ? { keyCheckBudgets: shared.keyCheckBudgets } : {}),
  });
  const ownExtensionKv = options.securityExtension === undefined ? await openKvHandle(":memory:") : null;
  const extensionStores = options.securityExtension ?? kvSecurityExtension(ownExtensionKv!);
  const extension = await createSecurityExtension(config, {
    stores: config.UPLOAD_DIR === undefined
      ? extensionStores
      : { ...extensionStores, blobs: new FolderBlobStore(config.UPLOAD_DIR) },
    now,
    operatorCa: await readOperatorCa(config),
  });
  const tls = await readTls(config);
  const maxConnections = connectionCeiling(config.MAX_CONNECTIONS, await softOpenFilesLimit(), logger);
  const stopping = new AbortController();
  const events = new EventBus();
  const handshakes = new HandshakeLog();
  if (shared) handshakes.share(shared.handshakes);
  const metrics = options.metrics ?? new PrometheusMetrics();
  const ownFleet = options.fleet === undefined;
  const fleetStore = options.fleet ?? await openKvFleetStore(":memory:");
  // DataTransfer from stations: answered by operators' rules and kept (the actors call it, the API edits it).
  const dataTransfers = new DataTransferDesk({
    dataTransfers: fleetStore.dataTransfers,
    now,
    newId: timeSortableIds(),
  });
  // The follow-ups send commands through the registry they are part of: resolved when first used.
  const securityServices = actorSecurityServices(extension, security.events, logger, () => registry);
  const shutOut = new ShutOut(DECOMMISSIONED_REPORT_MS);
  // What answers teach beyond the stations' records needs energy and the fleet, made after the registry.
  let answerEffects: ReturnType<typeof commandAnswerEffects> = () => Promise.resolve();
  const registry: Registry = new Registry({
    ...securityServices.deps,
    commandAnswered: (answer) => answerEffects(answer),
    ledgerHolds: ledgerHolds(fleetStore.reservations),
    securityEventQuota: security.stationEventQuota,
    store,
    logger,
    events,
    frames: new FrameLog(config.FRAME_LOG_SIZE, config.FRAME_LOG_STATIONS),
    now,
    newMessageId: options.newMessageId ?? (() => crypto.randomUUID()),
    vendors: options.vendors ?? {},
    dataTransfers,
    metrics,
    shutOut,
    ...(options.writeHealth ? { storeWritesFailing: () => options.writeHealth!.failing } : {}),
    // A job's command is marked sent in the fleet's store as it leaves its station's queue (fleet/job_runner.ts).
    sendMarks: {
      mark: (chargePointId, mark) =>
        fleetStore.jobs.markTaskSent(mark.jobId, chargePointId, mark.holder, now().toISOString()),
    },
    settings: {
      registrationPolicy: config.REGISTRATION_POLICY,
      heartbeatIntervalS: config.HEARTBEAT_INTERVAL_S,
      bootRetryIntervalS: config.BOOT_RETRY_INTERVAL_S,
      callTimeoutMs: config.CALL_TIMEOUT_MS,
      maxFrameBytes: config.MAX_FRAME_BYTES,
      maxTransactionFrameBytes: config.MAX_TRANSACTION_FRAME_BYTES,
      maxBadFrames: config.MAX_BAD_FRAMES,
      badFramesWindowMs: config.BAD_FRAMES_WINDOW_S * 1000,
      singleUseIdTags: config.SINGLE_USE_ID_TAGS,
      lastSeenIntervalMs: config.LAST_SEEN_INTERVAL_S * 1000,
    },
  }, {
    sweepIntervalMs: Math.min(1000, Math.max(20, Math.floor(config.CALL_TIMEOUT_MS / 10))),
    // Another node's presence reaches this one within a lease (its reload), usually much sooner (the bus).
    replacedChangeWaitMs: config.PRESENCE_LEASE_S * 1000,
  });
  registry.start();
  // In a cluster the live stream also shows the other nodes' events; the domain (energy, fleet) follows only
  // this process's stations, so that nothing is done twice.
  const streamEvents = options.cluster ? new EventBus() : events;
  if (options.cluster) events.subscribe((event) => streamEvents.publish(event));
  // The other nodes' events, for the live stream and the reservations asked here (fleet's `otherNodesEvents`).
  const otherNodesEvents = options.cluster ? new EventBus() : null;
  otherNodesEvents?.subscribe((event) => streamEvents.publish(event));
  // Every node learns which stations went out of service (or came back), wherever the operator asked.
  const unfollowService = streamEvents.subscribe((e) =>
    e.type === "service" && shutOut.serviceChanged(e.chargePointId, e.inService)
  );
  // This node's server warnings, kept with its lease for the other nodes' admins; known once its parts are built.
  let ownWarnings: () => ServerWarning[] = () => [];
  const cluster = options.cluster
    ? new ClusterNode({
      warnings: () => ownWarnings(),
      backend: options.cluster,
      registry,
      events,
      remoteEvents: otherNodesEvents ?? streamEvents,
      logger,
      leaseMs: config.PRESENCE_LEASE_S * 1000,
      requestTimeoutMs: commandAnswerBoundMs(config.CALL_TIMEOUT_MS),
      // A row a node wrote within the last lease may be a node's this one has not read yet: left for later.
      onLiveNodes: (live) => settleLostCommands(store, live, config.PRESENCE_LEASE_S * 1000, now, logger),
    })
    : null;
  await cluster?.start();
  const clusterNodes = clusterNodeList(options.cluster, registry.senderId, () => registry.size, now);
  // Alone, the rows left sending are a crashed earlier run's: settled once, now.
  if (!cluster) {
    await settleLostCommands(store, [registry.senderId], 0, now, logger).catch((error) =>
      logger.warn("cannot settle the commands an earlier run left sending", { error: String(error) })
    );
  }
  const holder = options.holder ?? processName();
  const energyTimers: Scheduler = {
    after: (ms, fn) => setTimeout(fn, ms) as unknown as number,
    cancel: (handle) => clearTimeout(handle),
  };
  const ownEnergy = options.energy === undefined;
  const energyStore = options.energy ?? await openKvEnergyStore(":memory:");
  const energy = createEnergy({
    store: energyStore,
    // Each station in its own dialect: OCPP 2.0.1 stations get 2.0.1's charging profile commands.
    commands: dialectAwareCommands({
      // The registry writes the row the profile service names before the CALL may leave, and settles it.
      send: (id, action, payload, log) =>
        registry.send(
          id,
          action,
          payload,
          // A timely answer the profile service records; a late one the record learns where the station is.
          log
            ? {
              logId: log.id,
              requestedBy: log.requestedBy,
              answerEffects: "late",
              ...(log.recordsAsked ? { recordsAsked: log.recordsAsked } : {}),
            }
            : { log: false },
        ),
      // A station held by another node of a cluster: the dialect it connected with (its record says).
      dialectOf: async (id) =>
        (await dialectOfStation({ registry, store }, id, "SetChargingProfile")).protocol.subprotocol,
      stationTransactionId: async (id) => (await store.getTransaction(id))?.stationTransactionId ?? null,
      // In a cluster, a station held by another node is reached through it (the registry routes the command).
      isConnected: (id) => registry.isConnected(id),
    }),
    commandLog: store,
    // The boot's restore runs on the node that got the boot, where the station's connection is.
    acceptedSinceBoot: (id) => registry.get(id)?.profilesAcceptedSinceBoot() ?? new Set(),
    ledgerIdOf: async (id, stationId) =>
      (await store.findTransactionByStationId(id, stationId))?.transactionId ?? null,
    sources: {
      activeTransactions: async (id) =>
        (await store.listTransactions({ chargePointId: id, status: "active", limit: 50 })).map((t) => ({
          transactionId: t.transactionId,
          connectorId: t.connectorId,
          startedAt: t.createdAt,
        })),
      recentMeterValues: (id) => store.listMeterValuesByChargePoint(id, 100),
      station: async (id) => {
        const record = await store.getChargePoint(id);
        return { lastSeen: record?.lastSeen ?? null, externalLimits: record?.chargingReports?.limits ?? [] };
      },
      isConnected: (id) => registry.isConnected(id),
    },
    // In a cluster a division steers every station of its site wherever it is held: one node at a time.
    ...(cluster
      ? {
        locks: leasedSiteLocks(
          fleetStore.leases,
          holder,
          now,
          energyTimers,
          config.ENERGY_REBALANCE_INTERVAL_S * 1000,
        ),
      }
      : {}),
    settings: {
      minCurrentA: config.ENERGY_MIN_CURRENT_A,
      headroomA: config.ENERGY_HEADROOM_A,
      measurementMaxAgeS: config.ENERGY_MEASUREMENT_MAX_AGE_S,
      minChangeA: config.ENERGY_MIN_CHANGE_A,
      stackLevel: config.ENERGY_STACK_LEVEL,
      profileIdBase: config.ENERGY_PROFILE_ID_BASE,
      offlineLeaseS: config.ENERGY_OFFLINE_LEASE_S,
      rebalanceIntervalS: config.ENERGY_REBALANCE_INTERVAL_S,
      txDefaultLimitA: config.ENERGY_TX_DEFAULT_A,
      debounceMs: 100,
    },
    now,
    newId: () => crypto.randomUUID(),
    scheduler: energyTimers,
    logger,
    publish: (sample) =>
      events.publish({
        type: "siteAllocation",
        chargePointId: null,
        siteId: sample.siteId,
        at: sample.at,
        sample,
      }),
  });
  const unfollow = events.subscribe((event) => energy.onStationEvent(event));
  // A certificate whose delivery nobody heard is sent again, once, as its station boots (this process's own
  // stations: each boot is an event on one node only).
  const unfollowRedelivery = events.subscribe((event) => {
    if (event.type === "boot" && event.registrationStatus === "Accepted") {
      void securityServices.redeliverAtBoot(event.chargePointId);
    }
  });
  energy.loadManager.start();
  // Loops that fail round after round: a server warning for the admins, not only a log line.
  const loopFailures = new LoopFailures(now);
  const renewal = certificateRenewal(
    extension,
    registry,
    logger,
    options.renewalIntervalMs ?? config.PKI_RENEW_SCAN_S * 1000,
    loopFailures,
  );
  renewal.start();
  /** This process's own OCPP endpoint, known once it listens. */
  let ownOcppUrl = "";
  const simulator = new SimulatorControl({
    maxStations: config.SIMULATOR_MAX_STATIONS,
    url: () => config.SIMULATOR_URL ?? ownOcppUrl,
    securityProfile: config.SECURITY_PROFILE,
    logger,
    now,
    driverTags: async () =>
      (await store.listIdTags({ limit: 100 })).filter((t) => t.status === "Accepted").map((t) => t.idTag)
        .slice(0, 10),
  });
  metrics.gauge("csms_connected_stations", "Stations connected to this process", () => registry.size);
  if (options.writeHealth) {
    const health = options.writeHealth;
    metrics.gauge(
      "csms_store_writes_failing",
      "1 while the store refuses every write (a full disk, a database that refuses), else 0",
      () => health.failing ? 1 : 0,
    );
  }
  if (cluster) {
    metrics.gauge(
      "csms_cluster_nodes",
      "Live nodes of the cluster (this process included)",
      () => cluster.liveNodes,
    );
    metrics.gauge(
      "csms_cluster_connected_stations",
      "Stations connected to any node of the cluster",
      () => registry.clusterSize,
    );
  }
  const fleet = createFleet({
    loopFailures,
    dataTransfers,
    store,
    fleet: fleetStore,
    registry,
    stationEvents: events,
    ...(otherNodesEvents ? { otherNodesEvents } : {}),
    securityEvents: security.events,
    frames: registry.deps.frames,
    now,
    logger,
    holder,
    ...(options.webhookResolve ? { resolve: options.webhookResolve } : {}),
    // A job's siteId: the site's stations, as load management keeps them.
    sites: async (siteId) => (await energyStore.getSite(siteId))?.chargePointIds ?? null,
    profiles: energy,
    settings: {
      jobMaxStations: config.JOB_MAX_STATIONS,
      jobMaxConcurrency: config.JOB_MAX_CONCURRENCY,
      jobDefaultConcurrency: config.JOB_DEFAULT_CONCURRENCY,
      jobClaimMs: config.JOB_CLAIM_S * 1000,
      campaignHours: config.FIRMWARE_CAMPAIGN_HOURS,
      webhookAllowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
      webhookAllowedNetworks: config.WEBHOOK_ALLOWED_NETWORKS,
      webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
      webhookMaxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      webhookBackoffBaseMs: config.WEBHOOK_BACKOFF_BASE_S * 1000,
      webhookBackoffMaxMs: config.WEBHOOK_BACKOFF_MAX_S * 1000,
      pollMs: config.FLEET_POLL_MS,
      reservationSweepMs: config.RESERVATION_SWEEP_S * 1000,
      localListSyncMs: config.LOCAL_LIST_SYNC_S * 1000,
      retentionMs: config.RETENTION_INTERVAL_S * 1000,
      offlineAfterMinutes: config.ATTENTION_OFFLINE_MIN,
      unknownIdTagsKeep: config.UNKNOWN_ID_TAGS_KEEP,
    },
  });
  answerEffects = commandAnswerEffects({
    energy,
    localList: fleet.localList,
    reservations: fleet.reservations,
    logger,
    lateSecurityAnswer: (answer) =>
      settleLateSecurityAnswer({
        store: security.store,
        events: security.events,
        now,
        pendingKeyTtlMs: security.pendingKeyTtlMs,
      }, answer),
  });
  fleet.start();
  const fileRetention = fileRetentionLoop(config, extension, fleetStore, holder, now, {
    logger,
    loopFailures,
  });
  fileRetention.start();
  const pendingDeliveries = pendingDeliverySweepLoop(config, extension, fleetStore, holder, now, {
    securityEvents: security.events,
    logger,
    loopFailures,
  });
  pendingDeliveries.start();
  // At start-up too: what a crash long ago left pending is settled now, not an interval later.
  pendingDeliveries.poke();
  // The fleet's job progress on every node's live stream too (its webhooks and loops stay with its own).
  let streamFleet = fleet;
  if (cluster) {
    const fleetStream = new EventBus<FleetEvent>();
    fleet.events.subscribe((event) => fleetStream.publish(event));
    cluster.forward("fleet", fleet.events, fleetStream);
    streamFleet = { ...fleet, events: fleetStream };
  }
  const transport = createTransport(
    config.HTTP_SERVER,
    config.PING_INTERVAL_S,
    Math.max(config.MAX_FRAME_BYTES, config.MAX_TRANSACTION_FRAME_BYTES),
  );
  // A profile 3 station that connects with a certificate whose acceptance we never recorded proves it uses it.
  const presentedCertificates = new PresentedCertificates({
    pki: extension.pki,
    securityEvent: (event) => security.events.record(event),
    log: (level, msg, fields) => logger[level](msg, fields),
  });
  // Logged once listening; admins also see it on the dashboard (GET /api/v1/server-warnings).
  const exposure = exposureWarning({
    hostname: config.HOSTNAME,
    behindProxy: config.TRUSTED_PROXIES.trim() !== "",
    defaultProfile: config.SECURITY_PROFILE,
    registrationPolicy: config.REGISTRATION_POLICY,
  });
  ownWarnings = () =>
    ownServerWarnings({
      exposure,
      ...(options.writeHealth ? { writeProblem: () => options.writeHealth!.problem() } : {}),
      failingLoops: () => loopFailures.failing(),
    });
  const app = createApp({
    clusterNodes,
    ...(cluster && options.cluster
      ? { clusterWarnings: { selfId: cluster.nodeId, nodeWarnings: options.cluster.presence.warnings } }
      : {}),
    fleet: streamFleet,
    shutOut,
    registry,
    store,
    logger,
    handshakes,
    now,
    auth,
    events: streamEvents,
    shutdownSignal: stopping.signal,
    security,
    energy,
    extension,
    certificatePresented: (chargePointId, pem) => void presentedCertificates.record(chargePointId, pem),
    metrics,
    ...(options.writeHealth ? { writeHealth: options.writeHealth } : {}),
    failingLoops: () => loopFailures.failing(),
    setup,
    simulator,
    settings: {
      allowMissingSubprotocol: config.ALLOW_MISSING_SUBPROTOCOL,
      preferredOcpp: config.PREFERRED_OCPP,
      maxConnections,
      pingIntervalS: config.PING_INTERVAL_S,
      ...(transport.upgrader ? { stationUpgrader: transport.upgrader } : {}),
      api: {
        exposure,
        sessionTtlHours: config.SESSION_TTL_H,
        cookieSecure: config.COOKIE_SECURE,
        sseRecheckMs: config.EVENT_STREAM_RECHECK_S * 1000,
        attentionOfflineMinutes: config.ATTENTION_OFFLINE_MIN,
        statusGraceMs: config.STATUS_GRACE_S * 1000,
      },
    },
  });

  let stopped = false;
  const droppedConnections = new DroppedConnections(logger, metrics);
  const listener = await transport.listen({
    port: config.PORT,
    hostname: config.HOSTNAME,
    // WORKERS=N: every worker listens on the same port and the kernel spreads the connections (Linux).
    reusePort: config.REUSE_PORT,
    tls,
    fetch: cluster ? withNodeHeader(app.fetch, cluster.nodeId) : (request, info) => app.fetch(request, info),
    logger,
    onFailed: (error) => {
      if (stopped) return;
      logger.error("listener failed", { error: String(error) });
      if (options.onListenerFailed) options.onListenerFailed(error);
      else Deno.exit(70);
    },
    ...(options.watchdogIntervalMs ? { watchdogIntervalMs: options.watchdogIntervalMs } : {}),
    unreadRequests: new UnreadRequests(config.UNREAD_REQUESTS_PER_SOURCE, security.trustedProxies),
    headersTimeoutMs: config.HEADERS_TIMEOUT_S * 1000,
    onDropped: (reason, address) => droppedConnections.dropped(reason, address),
  });
  const { port } = listener;
  const [httpScheme, wsScheme] = tls ? ["https", "wss"] : ["http", "ws"];
  ownOcppUrl = `${wsScheme}://127.0.0.1:${port}/ocpp`;
  logger.info("listening", {
    url: `${httpScheme}://${config.HOSTNAME}:${port}`,
    ocpp: `${wsScheme}://${config.HOSTNAME}:${port}/ocpp/{id}`,
    maxConnections,
    httpServer: config.HTTP_SERVER,
  });
  if (exposure) {
    logger.warn("stations are not authenticated", { hostname: config.HOSTNAME, hint: exposure });
  }
  return {
    url: `${httpScheme}://127.0.0.1:${port}`,
    port,
    registry,
    events,
    streamEvents,
    cluster,
    handshakes,
    store,
    auth,
    security,
    extension,
    metrics,
    energy,
    fleet,
    shutOut,
    async shutdown(given?: ShutdownDeadline) {
      stopped = true;
      stopping.abort();
      // Every wait on the store or on outside parties ends at the deadline, so that the stop ends before a
      // supervisor's SIGKILL even with a hung database; what a cut wait leaves unwritten is logged (one line
      // per kind) and the process exits non-zero (main.ts). With a database that answers, nothing is cut.
      const deadline = given ?? new ShutdownDeadline(config.SHUTDOWN_DEADLINE_S * 1000, logger);
      try {
        await stopWithin(deadline);
      } finally {
        if (!given) deadline.dispose();
      }
    },
  };

  async function stopWithin(deadline: ShutdownDeadline): Promise<void> {
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    // Before the stations close: a job's commands not yet sent go back to pending, not out to closing sockets.
    fleet.runner.stopSending();
    // Awaited once the stations closed: a trigger under way may wait for its station's answer.
    const renewalStopped = renewal.stop();
    // Virtual stations first: they would reconnect to a closing server.
    await simulator.close();
    unfollow();
    unfollowRedelivery();
    unfollowService();
    // Load management divides no more from here; a division under way may wait for a station's answer (up
    // to CALL_TIMEOUT_MS): the stations close first, which ends those waits (remote ones: the cluster's close).
    const energyClosed = energy.close();
    // Every socket closes at once (1001), before any answer still to come: a station whose write is cut here
    // was not answered, and sends it again (to another node).
    if (!await deadline.finished(registry.shutdown())) {
      const { stations, unanswered } = registry.stillStopping;
      deadline.abandoned("station writes not stored", {
        stations: stations.length,
        unanswered: unanswered.length,
        chargePointIds: stations.slice(0, 20),
        detail: "their sockets were closed; a CALL not answered is sent again by its station (its write " +
          "was not acknowledged); the others lose the lastSeen of their close",
      });
    }
    if (!await deadline.finished(renewalStopped)) deadline.cut("certificate renewal scan");
    // Writes of delivery outcomes still retried end here, each logged (the sweep settles them after a restart);
    // those in flight are waited for (at most 5 s), before the stores close.
    if (!await deadline.finished(securityServices.close())) {
      deadline.abandoned("certificate delivery outcomes not stored", {
        detail: "the pending delivery sweep records them undelivered after PKI_PENDING_SETTLE_S",
      });
    }
    // Its stations' releases go out, then its lease: the other nodes see them offline at once.
    if (cluster && !await deadline.finished(cluster.close())) {
      deadline.abandoned("cluster presence not given up", {
        node: cluster.nodeId,
        expiresAt: cluster.leaseExpiresAt.toISOString(),
        detail:
          "the other nodes count this node's stations connected (commands to them fail) until it expires",
      });
    }
    if (!await deadline.finished(energyClosed)) {
      deadline.abandoned("load management's leases not released", {
        expiresAt: at(config.ENERGY_REBALANCE_INTERVAL_S * 2000),
        detail: "another node takes the periodic division and this node's sites when they expire",
      });
    }
    // After the stations closed (commands in flight end at once), before the stores close. Its webhook
    // attempts are cut a little before the deadline (recorded by then, so retried); its store waits at it.
    let cut = { webhookAttempts: 0 };
    const fleetStopped = fleet.stop(deadline.outsideParties).then((c) => (cut = c));
    if (!await deadline.finished(fleetStopped)) {
      const { jobs, tasks, eventFollowUps, unknownIdTags } = fleet.unfinished;
      if (tasks > 0) {
        deadline.abandoned("job task claims not given back", {
          jobs,
          tasks,
          expiresAt: at(config.JOB_CLAIM_S * 1000),
          detail: "a command sent ends timeout when its claim expires, one never sent is claimed again",
        });
      }
      if (eventFollowUps > 0) {
        deadline.abandoned("station event follow-ups not stored", {
          eventFollowUps,
          detail: "webhook events not queued, reservations not marked used or cancelled",
        });
      }
      if (unknownIdTags > 0) {
        deadline.abandoned("unknown id tags not recorded", {
          tags: unknownIdTags,
          detail:
            "presented by stations and answered Invalid; the id tags page lists them when presented again",
        });
      }
      // Else a loop's turn or a webhook attempt's record: redone (the attempt's claim expires, it is sent again).
      if (tasks === 0 && eventFollowUps === 0 && unknownIdTags === 0) deadline.cut("fleet background work");
    }
    if (!await deadline.finished(fileRetention.stop())) deadline.cut("file retention");
    if (!await deadline.finished(pendingDeliveries.stop())) deadline.cut("certificate delivery sweep");
    if (cut.webhookAttempts > 0 || deadline.cutShort.length > 0) {
      logger.warn("shutdown deadline reached: waits cut short", {
        deadlineS: config.SHUTDOWN_DEADLINE_S,
        ...cut,
        ...(deadline.cutShort.length > 0 ? { redoneLater: deadline.cutShort } : {}),
      });
    }
    await listener.shutdown();
    droppedConnections.close();
    // Before the stores close: the drops still counted, then the security events still queued for the store.
    security.stationEventQuota.close();
    if (!await deadline.finished(security.events.close())) {
      deadline.abandoned("security events not stored", { events: security.events.unstored });
    }
    if (ownAuth) await auth.close();
    if (ownStationSecurity) await stationSecurity.close();
    if (ownEnergy) await energyStore.close();
    ownExtensionKv?.close();
    if (ownFleet) await fleetStore.close();
  }
}

/**
 * The command log rows left `sending` by a process that died with the command (`live`: the processes alive),
 * sent more than `graceMs` ago, settled as `unknown` (the station may have acted on them).
 */
async function settleLostCommands(
  store: Store,
  live: readonly string[],
  graceMs: number,
  now: () => Date,
  logger: Logger,
): Promise<void> {
  const settled = await store.settleCommandsOfLostNodes(live, graceMs, now().toISOString());
  if (settled > 0) logger.warn("commands of a lost node settled as unknown", { settled });
}

/**
 * Uploaded files past UPLOAD_RETENTION_DAYS and expired file URLs, pruned every RETENTION_INTERVAL_S by one
 * process of the cluster at a time (the fleet's lease store, as the other retention).
 */
function fileRetentionLoop(
  config: Config,
  extension: SecurityExtension,
  fleetStore: FleetStore,
  holder: string,
  now: () => Date,
  deps: { logger: Logger; loopFailures: LoopFailures },
): WorkerLoop {
  const intervalMs = config.RETENTION_INTERVAL_S * 1000;
  const log = deps.logger.with({ component: "file-retention" });
  const retention = new FileRetention({
    uploads: extension.uploads,
    firmware: extension.firmware,
    now,
    lease: loopLease(fleetStore, "file-retention", holder, now, intervalMs),
    warn: (message, fields) => log.warn(message, fields),
    settings: { uploadRetentionMs: config.UPLOAD_RETENTION_DAYS * 86_400_000, batch: 500 },
  });
  return new WorkerLoop(
    "file-retention",
    intervalMs,
    async () => {
      const pruned = await retention.tick();
      if (pruned && Object.values(pruned).some((n) => n > 0)) {
        log.info("retention pruned files", { ...pruned });
      }
    },
    log,
    deps.loopFailures,
  );
}

/** A loop's turn: the cluster-wide lease `name` for two of its intervals (one process at a time does it). */
function loopLease(
  fleetStore: FleetStore,
  name: string,
  holder: string,
  now: () => Date,
  intervalMs: number,
): () => Promise<boolean> {
  return () => {
    const at = now();
    const until = new Date(at.getTime() + intervalMs * 2).toISOString();
    return fleetStore.leases.acquireLease(name, holder, at.toISOString(), until);
  };
}

/**
 * Certificates whose delivery a stopped server left pending, recorded undelivered PKI_PENDING_SETTLE_S after
 * they were signed: at start-up and every RETENTION_INTERVAL_S, by one process of the cluster at a time (the
 * fleet's lease store, as file retention).
 */
function pendingDeliverySweepLoop(
  config: Config,
  extension: SecurityExtension,
  fleetStore: FleetStore,
  holder: string,
  now: () => Date,
  deps: { securityEvents: SecurityEventLog; logger: Logger; loopFailures: LoopFailures },
): WorkerLoop {
  const intervalMs = config.RETENTION_INTERVAL_S * 1000;
  const sweep = new PendingDeliverySweep({
    pki: extension.pki,
    lease: loopLease(fleetStore, "certificate-delivery-sweep", holder, now, intervalMs),
    securityEvent: (event) => deps.securityEvents.record(event),
    settings: { settleAfterMs: config.PKI_PENDING_SETTLE_S * 1000, batch: 500, eventsPerRound: 20 },
  });
  const log = deps.logger.with({ component: "certificate-delivery-sweep" });
  return new WorkerLoop(
    "certificate-delivery-sweep",
    intervalMs,
    async () => {
      const settled = await sweep.tick();
      if (settled) log.warn("pending certificates recorded undelivered", { settled, detail: sweep.detail });
    },
    log,
    deps.loopFailures,
  );
}

/** Names the node that answered (`X-CSMS-Node`), for operators behind a load balancer and for tests. */
function withNodeHeader(
  fetch: (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>,
  nodeId: string,
) {
  return async (request: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const response = await fetch(request, info);
    if (response.status === 101) return response;
    try {
      response.headers.set("x-csms-node", nodeId);
    } catch {
      // Immutable headers (a proxied response): left as they are.
    }
    return response;
  };
}

/** This process among a cluster's, for claims and leases: host, pid and a random part (unique either way). */
export function processName(): string {
  let host = "host";
  try {
    host = Deno.hostname();
  } catch {
    // Without --allow-sys (Deno Deploy) the random part alone keeps it unique.
  }
  return `${host}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
}

/** The soft limit on open files (Linux /proc), or null where it cannot be read. */
async function softOpenFilesLimit(): Promise<number | null> {
  try {
    const text = await Deno.readTextFile("/proc/self/limits");
    const line = text.split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    const value = Number(soft);
    return Number.isFinite(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

/** The TLS certificate and key when both files are configured; the server then speaks https and wss. */
async function readTls(config: Config): Promise<{ cert: string; key: string } | null> {
  const { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } = config;
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined || keyFile === undefined) {
    throw new Error("Invalid settings: TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  }
  try {
    return { cert: await Deno.readTextFile(certFile), key: await Deno.readTextFile(keyFile) };
  } catch (error) {
    throw new Error(`Cannot read TLS_CERT_FILE "${certFile}" or TLS_KEY_FILE "${keyFile}": ${error}`);
  }
}

/** The operator's CA from PKI_CA_CERT_FILE and PKI_CA_KEY_FILE (both or neither), or null. */
export async function readOperatorCa(config: Config): Promise<CaMaterial | null> {
  const { PKI_CA_CERT_FILE: certFile, PKI_CA_KEY_FILE: keyFile } = config;
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined || keyFile === undefined) {
    throw new Error("Invalid settings: PKI_CA_CERT_FILE and PKI_CA_KEY_FILE must be set together");
  }
  try {
    return {
      certificatePem: await Deno.readTextFile(certFile),
      privateKeyPem: await Deno.readTextFile(keyFile),
    };
  } catch (error) {
    throw new Error(`Cannot read PKI_CA_CERT_FILE "${certFile}" or PKI_CA_KEY_FILE "${keyFile}": ${error}`);
  }
}

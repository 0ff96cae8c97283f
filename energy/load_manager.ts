/**
 * Site load management: divides each site's grid limit among its stations' active transactions and rolls
 * each new division out as TxProfiles, lowering before raising, so that what the stations may draw never
 * adds up to more than the site has.
 *
 * A site is re-divided when one of its stations starts or stops a transaction, connects, boots or goes
 * offline, when an operator changes the site, when an offline station's lease runs out, and every
 * `rebalanceIntervalS` (which is when MeterValues redistribute what EVs do not draw). Triggers that arrive
 * together are handled by one run; one site runs one division at a time, and a trigger during a run makes
 * another run follow it.
 *
 * Each run reads everything it decides on from the stores (the site, active transactions, meter values,
 * lastSeen, stored profiles); nothing is carried from one run to the next but timers. So a division can run on
 * any process, and the allocation itself is the pure `allocate()`.
 *
 * @example
 * ```ts ignore
 * const manager = new LoadManager({ store, sources, profiles, settings, now, scheduler, logger, publish });
 * manager.start();
 * manager.stationChanged("CP-1");
 * ```
 */
import { MAX_CONNECTOR_ID } from "../actors/handlers/bounds.ts";
import type { Logger } from "../logger.ts";
import type {
  ChargingProfileSupport,
  StoredChargingProfile,
  UnansweredProfiles,
} from "../model/charging_profile.ts";
import type { ExternalChargingLimit } from "../model/charging_reports.ts";
import type { SiteChargerSample, SiteRecord, SiteSample } from "../model/site.ts";
import type { SetChargingProfileRequest } from "../protocol/ocpp16/set_charging_profile.ts";
import type { EnergyStore } from "../store/energy.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import { allocate, type AllocationSettings, type Measurement, type SessionInput } from "./allocate.ts";
import type { ChargingProfileService, SetOutcome } from "./charging_profile_service.ts";
import { endedTxProfiles, expectedLimitA } from "./charging_profiles.ts";
import { externalLimitA } from "./external_limits.ts";
import { latestCurrent } from "./measurements.ts";
import {
  executeRollout,
  planRollout,
  type RolloutSession,
  type RolloutSettings,
  type RolloutStep,
  type StepOutcome,
} from "./rollout.ts";

export interface LoadSettings extends AllocationSettings, RolloutSettings {
  /** How long an offline station's last limit stays counted after it was last seen. */
  offlineLeaseS: number;
  /** Every site is re-divided this often (fresh measurements, expired leases). */
  rebalanceIntervalS: number;
  /**
   * The TxDefaultProfile limit load management installs on every station of a site (connector 0): what a
   * new transaction may draw until its own TxProfile arrives. 0 keeps the site's sum strict; null installs
   * none.
   */
  txDefaultLimitA: number | null;
  /** Triggers within this many ms share one run. */
  debounceMs: number;
}

/** A transaction as load management needs it. */
export interface ActiveTransaction {
  transactionId: number;
  connectorId: number;
  /** When we received its StartTransaction (ISO 8601): one clock for every station. */
  startedAt: string;
}

/** What the rest of the system tells load management about stations. */
export interface LoadSources {
  activeTransactions(chargePointId: string): Promise<ActiveTransaction[]>;
  /** A station's recent meter values, any order. */
  recentMeterValues(chargePointId: string): Promise<MeterValueRow[]>;
  /** What the station's record says, read once per run. */
  station(chargePointId: string): Promise<StationFacts>;
  /** Connected to this process or, in a cluster, to any (a division steers every station of its site). */
  isConnected(chargePointId: string): boolean;
}

/** The parts of a station's record load management reads. */
export interface StationFacts {
  lastSeen: string | null;
  /** The external charging limits an OCPP 2.0.1 station reported (NotifyChargingLimit); none for 1.6. */
  externalLimits: readonly ExternalChargingLimit[];
}

/**
 * A cluster's processes divide a site one at a time (each division reads everything fresh, so the next one
 * starts from what the last one rolled out). Absent in a lone process.
 */
export interface SiteLocks {
  /** Takes the site's lock for this process (or keeps it); false while another process holds it. */
  acquire(siteId: string): Promise<boolean>;
  release(siteId: string): Promise<void>;
  /**
   * Whether this process still holds the site's lock (renewing it): false when another process took it since,
   * as after this one stood still (a pause, a stalled host) past the lock's life. Asked before each phase of a
   * rollout, so a stale division stops rather than raise stations beside a newer one.
   */
  stillHeld(siteId: string): Promise<boolean>;
  /** Whether this process does the periodic re-division of every site now (one process at a time). */
  periodicTurn(): Promise<boolean>;
  /** Gives up the periodic turn, if this process has it (it stops). */
  close(): Promise<void>;
}

/** Timers, injected so tests control time. */
export interface Scheduler {
  /** Calls `fn` once after `ms`; returns a handle for `cancel`. */
  after(ms: number, fn: () => void): number;
  cancel(handle: number): void;
}

export interface LoadManagerDeps {
  store: EnergyStore;
  sources: LoadSources;
  profiles: ChargingProfileService;
  settings: LoadSettings;
  now: () => Date;
  scheduler: Scheduler;
  logger: Logger;
  /** Told after every run (the dashboard's live view). */
  publish?: (sample: SiteSample) => void;
  /** In a cluster: one division of a site at a time, one process doing the periodic runs. */
  locks?: SiteLocks;
}

/** One session of a site, with everything a run learnt about it. */
interface SessionView {
  chargePointId: string;
  transaction: ActiveTransaction;
  input: SessionInput;
  /** The limit the station enforces as far as we know, null when unknown. */
  appliedA: number | null;
  /** Its latest measurement, shown on the site page. */
  measurement: Measurement | null;
  /** The measurement the allocation may use: null when it is older than our last change. */
  demand: Measurement | null;
  txDefaultOnly: boolean;
  /** Its unanswered runs in a row as the store said when this run began (null: none). */
  unanswered: UnansweredProfiles | null;
}

interface SiteState {
  timer: number | null;
  /** When the pending timer fires (ms since epoch), to keep the earliest of two requests. */
  dueAt: number;
  running: Promise<void> | null;
  again: boolean;
  /** Consecutive runs a station did not follow; backs off the retries. */
  failures: number;
}

const MAX_RETRY_MS = 30_000;
const UNANSWERED_RUNS = 3;
/** How soon a site another process is dividing is tried again: its division may predate our trigger. */
const LOCKED_RETRY_MS = 1000;

export class LoadManager {
  readonly #deps: LoadManagerDeps;
  readonly #sites = new Map<string, SiteState>();
  #tick: number | null = null;
  /** The periodic run under way (close() waits for it before giving up the turn it may be taking). */
  #periodic: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: LoadManagerDeps) {
    this.#deps = deps;
  }

  /** Starts the periodic re-division of every site. */
  start(): void {
    const every = this.#deps.settings.rebalanceIntervalS * 1000;
    const tick = () => {
      this.#tick = this.#deps.scheduler.after(every, tick);
      // A store that cannot be reached now is tried again at the next tick: never a rejection nobody handles
      // (it would end the process).
      this.#periodic = this.#periodicRun().catch((error) => {
        this.#deps.logger.warn("cannot list the sites to re-divide", { error: String(error) });
      });
    };
    this.#tick = this.#deps.scheduler.after(every, tick);
  }

  /** Resolves when no site is being divided (runs that follow a run included). */
  async whenIdle(): Promise<void> {
    while ([...this.#sites.values()].some((s) => s.running)) {
      await Promise.all([...this.#sites.values()].map((s) => s.running));
    }
  }

  /** Stops the timers and waits for the runs in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#tick !== null) this.#deps.scheduler.cancel(this.#tick);
    for (const state of this.#sites.values()) {
      if (state.timer !== null) this.#deps.scheduler.cancel(state.timer);
    }
    await this.#periodic;
    await Promise.all([...this.#sites.values()].map((s) => s.running));
    await this.#deps.locks?.close().catch((error) =>
      this.#deps.logger.warn("cannot give up the periodic re-division", { error: String(error) })
    );
  }

  /** Something about a station changed (transaction, connection): its site is divided again. */
  async stationChanged(chargePointId: string): Promise<void> {
    const siteId = await this.#deps.store.siteOfChargePoint(chargePointId);
    if (siteId !== null) this.schedule(siteId);
  }

  /**
   * Why an operator's profile would fight load management's on a station, or null. An id in load management's
   * range would be replaced by its next division (on any station: one may join a site later). On a station of a
   * site, a profile of load management's purposes at its stack level would replace one of its profiles on the
   * same connector, or be replaced by the next division (OCPP 1.6 §5.16), and the site would be over its limit
   * or the operator's limit silently gone.
   */
  async operatorProfileClash(
    chargePointId: string,
    profile: { chargingProfileId: number; stackLevel: number; chargingProfilePurpose: string },
  ): Promise<ProfileClash | null> {
    const { settings } = this.#deps;
    const ids = loadManagementIds(settings);
    if (profile.chargingProfileId >= ids.first && profile.chargingProfileId <= ids.last) {
      return {
        field: "chargingProfileId",
        message: `chargingProfileIds ${ids.first} to ${ids.last} are load management's own`,
      };
    }
    if (profile.stackLevel !== settings.stackLevel || !MANAGED_PURPOSES.has(profile.chargingProfilePurpose)) {
      return null;
    }
    const siteId = await this.#deps.store.siteOfChargePoint(chargePointId);
    if (siteId === null) return null;
    return {
      field: "stackLevel",
      message:
        `"${chargePointId}" is load-managed (site "${siteId}"): stackLevel ${settings.stackLevel} of ` +
        `${profile.chargingProfilePurpose} is load management's own; use another stack level`,
    };
  }

  /**
   * A station connected: what it should hold is sent again (everything after a boot, else what waited for
   * it), a station that left its site loses our profiles, and its site is divided again.
   */
  async stationConnected(chargePointId: string, booted: boolean): Promise<void> {
    const { profiles } = this.#deps;
    const siteId = await this.#deps.store.siteOfChargePoint(chargePointId);
    // Back: it may answer again, and take the station-wide default.
    if (siteId !== null) {
      await profiles.markSupport(chargePointId, { unanswered: null, stationDefaultRejected: false });
    }
    await profiles.reconnected(chargePointId, {
      ...(siteId === null ? { release: { source: "loadManagement", requestedBy: "loadManagement" } } : {}),
      ...(booted
        ? {
          reboot: {
            prepare: () => profiles.forgetSupport(chargePointId),
            activeTransactionIds: async () =>
              (await this.#deps.sources.activeTransactions(chargePointId)).map((t) => t.transactionId),
          },
        }
        : {}),
    });
    if (siteId !== null) this.schedule(siteId);
  }

  /** A transaction ended: its TxProfiles are gone, and its site's capacity goes to the others. */
  async transactionEnded(chargePointId: string, transaction: { transactionId: number; connectorId: number }) {
    await this.#deps.profiles.transactionEnded(chargePointId, transaction);
    await this.#resetConnectorDefault(chargePointId, transaction.connectorId);
    await this.stationChanged(chargePointId);
  }

  /**
   * The connector's TxDefaultProfile that set an ended session's limit (stations that take no TxProfile) goes
   * back to the station default: the next session would draw the old share before its own division.
   */
  async #resetConnectorDefault(chargePointId: string, connectorId: number): Promise<void> {
    const { settings, profiles, store } = this.#deps;
    if (settings.txDefaultLimitA === null) return;
    const id = connectorDefaultId(connectorId, settings);
    const ours = (await store.listChargingProfiles(chargePointId)).find((s) =>
      s.chargingProfileId === id && s.source === "loadManagement"
    );
    if (!ours || sameLimit(ours, settings.txDefaultLimitA)) return;
    try {
      await profiles.set(
        chargePointId,
        defaultRequest(connectorId, id, settings.txDefaultLimitA, settings.stackLevel),
        { source: "loadManagement", requestedBy: "loadManagement" },
      );
    } catch (error) {
      this.#deps.logger.warn("cannot reset a connector's TxDefaultProfile", {
        chargePointId,
        connectorId,
        error: String(error),
      });
    }
  }

  /** An operator changed or deleted a site; `removed` left it (they lose our profiles). */
  async siteChanged(siteId: string, removed: readonly string[] = []): Promise<void> {
    for (const chargePointId of removed) {
      try {
        await this.#deps.profiles.clearFrom(chargePointId, "loadManagement", "loadManagement");
      } catch (error) {
        this.#deps.logger.warn("cannot clear load management's profiles", {
          chargePointId,
          error: String(error),
        });
      }
    }
    this.schedule(siteId);
  }

  /**
   * Asks for a run of the site after `delayMs` (the debounce by default); the earliest request wins. A
   * trigger during a run makes another run follow it; a later request (a retry, a lease) waits on its timer.
   */
  schedule(siteId: string, delayMs = this.#deps.settings.debounceMs): void {
    if (this.#closed) return;
    const state = this.#state(siteId);
    if (state.running && delayMs <= this.#deps.settings.debounceMs) {
      state.again = true;
      return;
    }
    const dueAt = this.#deps.now().getTime() + delayMs;
    if (state.timer !== null) {
      if (state.dueAt <= dueAt) return;
      this.#deps.scheduler.cancel(state.timer);
    }
    state.dueAt = dueAt;
    state.timer = this.#deps.scheduler.after(delayMs, () => {
      state.timer = null;
      void this.run(siteId);
    });
  }

  /** Divides a site now (tests call it directly); resolves when the rollout is through. */
  run(siteId: string): Promise<void> {
    const state = this.#state(siteId);
    if (state.running) {
      state.again = true;
      return state.running;
    }
    const running = (async () => {
      do {
        state.again = false;
        try {
          if (!await this.#divideLocked(siteId, state)) {
            this.schedule(siteId, LOCKED_RETRY_MS);
            break;
          }
        } catch (error) {
          state.failures++;
          this.#deps.logger.error("site division failed", { siteId, error: String(error) });
          this.#retry(siteId, state);
        }
      } while (state.again && !this.#closed);
    })();
    state.running = running;
    return running.finally(() => {
      state.running = null;
    });
  }

  /** Divides the site under its cluster lock; false when another process holds it, or took it meanwhile. */
  async #divideLocked(siteId: string, state: SiteState): Promise<boolean> {
    const locks = this.#deps.locks;
    if (!locks) {
      await this.#divide(siteId, state);
      return true;
    }
    if (!await locks.acquire(siteId)) return false;
    try {
      return await this.#divide(siteId, state, () => locks.stillHeld(siteId));
    } finally {
      // Not released: it runs out on its own, and until then the site waits (its limits stay in force).
      await locks.release(siteId).catch((error) =>
        this.#deps.logger.warn("cannot release a site's lock", { siteId, error: String(error) })
      );
    }
  }

  async #periodicRun(): Promise<void> {
    if (this.#deps.locks && !await this.#deps.locks.periodicTurn()) return;
    let after: string | undefined;
    for (;;) {
      const sites = await this.#deps.store.listSites({
        limit: 100,
        ...(after !== undefined ? { after } : {}),
      });
      for (const site of sites) this.schedule(site.siteId, 0);
      if (sites.length < 100) return;
      after = sites.at(-1)!.siteId;
    }
  }

  #state(siteId: string): SiteState {
    let state = this.#sites.get(siteId);
    if (!state) {
      state = {
        timer: null,
        dueAt: 0,
        running: null,
        again: false,
        failures: 0,
      };
      this.#sites.set(siteId, state);
    }
    return state;
  }

  #retry(siteId: string, state: SiteState): void {
    const delay = Math.min(
      MAX_RETRY_MS,
      this.#deps.settings.rebalanceIntervalS * 1000,
      500 * 2 ** (state.failures - 1),
    );
    this.schedule(siteId, delay);
  }

  /**
   * Divides the site and rolls the division out; false when `stillLocked` said no before a phase (another
   * process took the site's lock meanwhile: nothing more sent, nothing recorded).
   */
  async #divide(
    siteId: string,
    state: SiteState,
    stillLocked?: () => Promise<boolean>,
  ): Promise<boolean> {
    const { store, settings } = this.#deps;
    const site = await store.getSite(siteId);
    if (site === null) {
      this.#sites.delete(siteId);
      return true;
    }
    await Promise.all(site.chargePointIds.map((id) => this.#ensureTxDefault(id, siteId)));
    const now = this.#deps.now();
    const sessions = (await Promise.all(site.chargePointIds.map((id) => this.#sessionsOf(site, id, now))))
      .flat();
    const measurements: Record<string, Measurement> = {};
    for (const s of sessions) if (s.demand) measurements[s.input.id] = s.demand;
    const allocation = allocate({
      limitA: site.maxCurrentA,
      sessions: sessions.map((s) => s.input),
      measurements,
      settings,
      now,
    });

    const byId = new Map(sessions.map((s) => [s.input.id, s]));
    const steerable: RolloutSession[] = [];
    for (const share of allocation.shares) {
      if (share.kind !== "allocated" && share.kind !== "waiting") continue;
      const s = byId.get(share.sessionId)!;
      steerable.push({
        id: s.input.id,
        chargePointId: s.chargePointId,
        connectorId: s.transaction.connectorId,
        transactionId: s.transaction.transactionId,
        currentA: s.appliedA ?? s.input.maxCurrentA,
        targetA: share.limitA,
      });
    }
    const plan = planRollout({ availableA: allocation.availableA, sessions: steerable, settings });
    const requestedBy = `loadManagement:${siteId}`;
    const result = await executeRollout(
      plan,
      (step) => this.#send(step, byId.get(step.sessionId)!, requestedBy),
      stillLocked,
    );
    if (result.stopped) {
      // Planned before another process's division (this one stood still past its lock's life): what it would
      // still send is stale. The other's division is in force; divide again after it.
      this.#deps.logger.warn("site division stopped: another process took the site's lock", {
        siteId,
        sent: result.outcomes.length,
      });
      return false;
    }

    const applied = new Map(sessions.map((s) => [s.input.id, s.appliedA]));
    for (const { step, outcome } of result.outcomes) {
      if (outcome.accepted) applied.set(step.sessionId, step.toA);
    }
    const unansweredBefore = new Map(sessions.map((s) => [s.chargePointId, s.unanswered]));
    await this.#countUnanswered(result.outcomes, now, unansweredBefore);
    const incomplete = result.outcomes.filter((o) => !o.outcome.accepted);
    if (incomplete.length > 0) {
      state.failures++;
      this.#deps.logger.warn("site rollout incomplete", {
        siteId,
        notAccepted: incomplete.map((o) => ({
          session: o.step.sessionId,
          reason: o.outcome.accepted ? "" : o.outcome.reason,
        })),
      });
      this.#retry(siteId, state);
    } else {
      state.failures = 0;
    }

    const chargers: SiteChargerSample[] = allocation.shares.map((share) => {
      const s = byId.get(share.sessionId)!;
      return {
        chargePointId: s.chargePointId,
        connectorId: s.transaction.connectorId,
        transactionId: s.transaction.transactionId,
        kind: share.kind,
        limitA: share.limitA,
        appliedA: applied.get(share.sessionId) ?? null,
        measuredA: s.measurement?.currentA ?? null,
      };
    });
    const measured = chargers.filter((c) => c.measuredA !== null);
    const sample: SiteSample = {
      siteId,
      at: now.toISOString(),
      limitA: site.maxCurrentA,
      fixedA: allocation.fixedA,
      allocatedA: allocation.allocatedA,
      measuredA: measured.length
        ? Math.round(measured.reduce((a, c) => a + c.measuredA!, 0) * 10) / 10
        : null,
      chargers,
    };
    try {
      await store.appendSiteSample(sample);
    } catch (error) {
      // The division is done and in force; only its record for the dashboard is lost.
      this.#deps.logger.warn("cannot store a site sample", { siteId, error: String(error) });
    }
    this.#deps.publish?.(sample);

    // An offline station's lease ends between two periodic runs: divide again when it does.
    const leases = sessions.flatMap((s) =>
      s.input.control.kind === "offline" ? [Date.parse(s.input.control.leaseUntil)] : []
    )
      .filter((t) => t > now.getTime());
    if (leases.length > 0) this.schedule(siteId, Math.min(...leases) - now.getTime() + 1);
    return true;
  }

  /**
   * Counts the stations that left a step unanswered this run, and forgets those that answered: from
   * UNANSWERED_RUNS runs in a row on, one is counted at its maximum for a period, so that the decrease it never
   * takes does not hold back every increase of its site for good.
   */
  async #countUnanswered(
    outcomes: readonly { step: RolloutStep; outcome: StepOutcome }[],
    now: Date,
    before: ReadonlyMap<string, UnansweredProfiles | null>,
  ) {
    const { profiles, store, settings, logger } = this.#deps;
    const answered = new Map<string, boolean>();
    for (const { step, outcome } of outcomes) {
      // A rejection is an answer (the station is then marked as refusing); an ended transaction is none.
      const ok = outcome.accepted || outcome.reason === "Rejected" || outcome.reason === "TransactionEnded";
      answered.set(step.chargePointId, (answered.get(step.chargePointId) ?? true) && ok);
    }
    for (const [id, ok] of answered) {
      if (ok) {
        // None recorded when this run began: only a division records one, and one runs at a time.
        if (before.get(id)) await profiles.markSupport(id, { unanswered: null });
        continue;
      }
      // One more in the store, in one step: a reconnect (on any node) that cleared it meanwhile is counted
      // from, not overwritten by a count read before it.
      const { runs } = await store.countUnansweredRun(id, {
        at: now.toISOString(),
        benchFrom: UNANSWERED_RUNS,
        benchedUntil: new Date(now.getTime() + settings.rebalanceIntervalS * 1000).toISOString(),
      });
      if (runs >= UNANSWERED_RUNS) {
        const why = outcomes.find((o) => o.step.chargePointId === id && !o.outcome.accepted)?.outcome;
        logger.warn("station counted at its maximum: it does not answer its profiles", {
          chargePointId: id,
          runs,
          reason: why && !why.accepted ? why.reason : "",
        });
      }
    }
  }

  /** What a run needs to know about one station's sessions. */
  async #sessionsOf(
    site: SiteRecord,
    chargePointId: string,
    now: Date,
  ): Promise<SessionView[]> {
    const { sources, store, settings } = this.#deps;
    const [transactions, stored, support, rows, { lastSeen, externalLimits }] = await Promise.all([
      sources.activeTransactions(chargePointId),
      store.listChargingProfiles(chargePointId),
      store.getChargingProfileSupport(chargePointId),
      sources.recentMeterValues(chargePointId),
      sources.station(chargePointId),
    ]);
    const running = new Set(transactions.map((t) => t.transactionId));
    if (endedTxProfiles(stored, (id) => running.has(id)).remove.length > 0) {
      // One stored as its transaction ended (a race with the stop): the record follows the station.
      await this.#deps.profiles.forgetEndedTxProfiles(
        chargePointId,
        async () => (await sources.activeTransactions(chargePointId)).map((t) => t.transactionId),
      );
    }
    const connected = sources.isConnected(chargePointId);
    return transactions.map((transaction) => {
      const appliedA = expectedLimitA(stored, transaction.connectorId, now, transaction.transactionId);
      const ours = ourLimitProfile(stored, transaction, support);
      const measurement = latestCurrent(rows, transaction);
      // A sample from before our last change says nothing about what the EV does with its new limit: the
      // session keeps that limit as its cap (neither capped further nor uncapped) until a newer one arrives.
      const beforeChange = measurement !== null && ours !== undefined && measurement.at < ours.updatedAt;
      const leaseUntil = new Date(Date.parse(lastSeen ?? now.toISOString()) + settings.offlineLeaseS * 1000);
      const input: SessionInput = {
        id: `${chargePointId}/${transaction.connectorId}`,
        startedAt: transaction.startedAt,
        // An external limit on the station (a 2.0.1 EVSE's id is its transactions' connector id) caps it.
        maxCurrentA: Math.min(
          site.stationMaxCurrentA,
          externalLimitA(externalLimits, transaction.connectorId, now) ?? Number.POSITIVE_INFINITY,
        ),
        ...(beforeChange && appliedA !== null ? { capA: appliedA } : {}),
        control: support?.refusedReason || unanswered(support, now)
          ? { kind: "refuses" }
          : !connected
          ? { kind: "offline", limitA: appliedA, leaseUntil: leaseUntil.toISOString() }
          : { kind: "profiles", limitA: appliedA },
      };
      return {
        chargePointId,
        transaction,
        input,
        appliedA,
        measurement,
        demand: beforeChange ? null : measurement,
        txDefaultOnly: support?.txDefaultOnly ?? false,
        unanswered: support?.unanswered ?? null,
      };
    });
  }

  /**
   * Sends one step: a TxProfile, or a TxDefaultProfile on the connector to a station that takes only those.
   * A station that rejects both is recorded as refusing (its site then counts it at its maximum). A TxProfile
   * rejected because its transaction ended meanwhile says nothing about the station (the stop's own trigger
   * divides the site again).
   */
  async #send(step: RolloutStep, session: SessionView, requestedBy: string): Promise<StepOutcome> {
    const { profiles, sources } = this.#deps;
    const meta = { source: "loadManagement" as const, requestedBy };
    if (!session.txDefaultOnly) {
      const outcome = await this.#set(step, step.request, meta);
      if (outcome.status === "Accepted") return { accepted: true };
      if (outcome.status !== "Rejected") return { accepted: false, reason: outcome.status };
      const { transactionId } = session.transaction;
      const active = await sources.activeTransactions(step.chargePointId);
      if (!active.some((t) => t.transactionId === transactionId)) {
        return { accepted: false, reason: "TransactionEnded" };
      }
    }
    const fallback = connectorDefaultRequest(step, this.#deps.settings);
    const outcome = await this.#set(step, fallback, meta);
    if (outcome.status === "Accepted") {
      await profiles.markSupport(step.chargePointId, { txDefaultOnly: true });
      return { accepted: true };
    }
    await profiles.markSupport(step.chargePointId, { refusedReason: outcome.status, txDefaultOnly: false });
    return { accepted: false, reason: outcome.status };
  }

  /**
   * Sends one step's profile. A raise is recorded before it goes out (and put back if the station does not take
   * it): in flight, or its answer lost (a timeout, its connection or a cluster node gone, this one included), the
   * station may enforce it, and the next division, on any node, lowers it before it raises anyone else.
   */
  #set(
    step: RolloutStep,
    request: SetChargingProfileRequest,
    meta: { source: "loadManagement"; requestedBy: string },
  ): Promise<SetOutcome> {
    return this.#deps.profiles.set(step.chargePointId, request, meta, { recordFirst: step.toA > step.fromA });
  }

  /** Installs our station-wide TxDefaultProfile (connector 0) on a connected station that lacks it. */
  async #ensureTxDefault(chargePointId: string, siteId: string): Promise<void> {
    const { settings, profiles, sources, store } = this.#deps;
    if (settings.txDefaultLimitA === null || !sources.isConnected(chargePointId)) return;
    const stored = await store.listChargingProfiles(chargePointId);
    const request = stationDefaultRequest(settings.txDefaultLimitA, settings);
    const id = request.csChargingProfiles.chargingProfileId;
    const current = stored.find((s) => s.chargingProfileId === id);
    if (current?.state === "installed" && sameLimit(current, settings.txDefaultLimitA)) return;
    const support = await store.getChargingProfileSupport(chargePointId);
    // Refusing, or refused this one since it connected: not sent again before it reconnects.
    if (support?.refusedReason || support?.stationDefaultRejected) return;
    try {
      const outcome = await profiles.set(chargePointId, request, {
        source: "loadManagement",
        requestedBy: `loadManagement:${siteId}`,
      });
      // Only this profile: the station may take TxProfiles (rejecting those too makes it refusing).
      if (outcome.status === "Rejected") {
        await profiles.markSupport(chargePointId, { stationDefaultRejected: true });
        this.#deps.logger.info("station rejected load management's TxDefaultProfile", { chargePointId });
      }
    } catch (error) {
      this.#deps.logger.warn("cannot install load management's TxDefaultProfile", {
        chargePointId,
        error: String(error),
      });
    }
  }
}

/** Whether the station's site counts it at its maximum now: it left its profiles unanswered too often. */
function unanswered(support: ChargingProfileSupport | null, now: Date): boolean {
  const until = support?.unanswered?.until;
  return until != null && Date.parse(until) > now.getTime();
}

/** Where an operator's profile meets load management's (`LoadManager.operatorProfileClash`). */
export interface ProfileClash {
  field: "chargingProfileId" | "stackLevel";
  message: string;
}

/** The purposes of the profiles load management sets (at `stackLevel`). */
const MANAGED_PURPOSES: ReadonlySet<string> = new Set(["TxProfile", "TxDefaultProfile"]);

/**
 * The chargingProfileIds load management gives its profiles: `profileIdBase` (the station's TxDefaultProfile),
 * `profileIdBase + N` (connector N's TxProfile, rollout.ts), `profileIdBase + 100 + N` (connector N's
 * TxDefaultProfile, for stations that take no TxProfile).
 */
export function loadManagementIds(settings: Pick<RolloutSettings, "profileIdBase">): {
  first: number;
  last: number;
} {
  return { first: settings.profileIdBase, last: settings.profileIdBase + 100 + MAX_CONNECTOR_ID };
}

/** Our profile that sets a session's limit: its TxProfile, or the connector's TxDefaultProfile. */
function ourLimitProfile(
  stored: readonly StoredChargingProfile[],
  transaction: ActiveTransaction,
  support: ChargingProfileSupport | null,
): StoredChargingProfile | undefined {
  return stored.find((s) =>
    s.source === "loadManagement" && s.state === "installed" && s.connectorId === transaction.connectorId &&
    (support?.txDefaultOnly
      ? s.chargingProfilePurpose === "TxDefaultProfile"
      : s.transactionId === transaction.transactionId)
  );
}

function sameLimit(s: StoredChargingProfile, limitA: number): boolean {
  const periods = s.profile.chargingSchedule.chargingSchedulePeriod;
  return periods.length === 1 && periods[0]!.limit === limitA;
}

/** The station-wide TxDefaultProfile: id `profileIdBase`, connector 0. */
export function stationDefaultRequest(
  limitA: number,
  settings: Pick<RolloutSettings, "stackLevel" | "profileIdBase">,
): SetChargingProfileRequest {
  return defaultRequest(0, settings.profileIdBase, limitA, settings.stackLevel);
}

/** A TxDefaultProfile on one connector, for stations that take no TxProfile: id `profileIdBase + 100 + N`. */
function connectorDefaultRequest(step: RolloutStep, settings: RolloutSettings): SetChargingProfileRequest {
  const connectorId = step.request.connectorId;
  return defaultRequest(
    connectorId,
    connectorDefaultId(connectorId, settings),
    step.toA,
    settings.stackLevel,
  );
}

function connectorDefaultId(connectorId: number, settings: Pick<RolloutSettings, "profileIdBase">): number {
  return settings.profileIdBase + 100 + connectorId;
}

function defaultRequest(
  connectorId: number,
  chargingProfileId: number,
  limitA: number,
  stackLevel: number,
): SetChargingProfileRequest {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId,
      stackLevel,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: limitA }],
      },
    },
  };
}

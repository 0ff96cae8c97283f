/**
 * Stored charging profiles in use: sets and clears them on a station and records what it accepted, keeps
 * the ones set while it is offline until it is back, sends them all again after it reboots or when its
 * composite schedule shows it lost them. The rules are in `charging_profiles.ts`; this adds the commands
 * (through `StationCommands`, the registry in production) and the store.
 *
 * One station's profile commands and their bookkeeping run one after the other (a read-modify-write of its
 * stored profiles each), so two answers never race to write.
 *
 * @example
 * ```ts ignore
 * const profiles = new ChargingProfileService({ store, commands, commandLog, now, newId });
 * await profiles.set("CP-1", request, { source: "api", requestedBy: "user:alice" });
 * ```
 */
import {
  CallErrorResponse,
  CommandRefusedError,
  loggedCommandOutcome,
  NotConnectedError,
} from "../actors/errors.ts";
import {
  type ChargingProfileSource,
  type ChargingProfileSupport,
  noSupportFacts,
  type StoredChargingProfile,
} from "../model/charging_profile.ts";
import type { ClearChargingProfileRequest } from "../protocol/ocpp16/clear_charging_profile.ts";
import type { RequestOf, ResponseOf } from "../protocol/ocpp16/mod.ts";
import type { SetChargingProfileRequest } from "../protocol/ocpp16/set_charging_profile.ts";
import type { RequestOf as RequestOf201 } from "../protocol/ocpp201/mod.ts";
import type { ChargingProfileStore } from "../store/energy.ts";
import type { CommandLogEntry } from "../model/command_log.ts";
import type { CommandLogStore } from "../store/mod.ts";
import {
  afterClearChargingProfile,
  afterReboot,
  afterSetChargingProfile,
  afterTransactionEnded,
  clearSelects,
  compositeShowsLoss,
  endedTxProfiles,
  resendRequest,
  storedProfile,
  undoProfileChanges,
} from "./charging_profiles.ts";
import { clearChargingProfile16, setChargingProfile16 } from "./ocpp201_profiles.ts";
import { changedSince, profileVersions, unchangedSince, withChanges } from "./profiles_asked.ts";

export type ProfileAction = "SetChargingProfile" | "ClearChargingProfile" | "GetCompositeSchedule";

/** How the service reaches stations: the registry in production, a fake in tests. */
export interface StationCommands {
  /**
   * Rejects with the errors of `actors/errors.ts`. `log`: the command's log row (its id and who asked), which
   * the sender writes before the CALL may leave and settles, whichever node learns the outcome.
   */
  call<A extends ProfileAction>(
    chargePointId: string,
    action: A,
    payload: RequestOf<A>,
    log?: CommandLogRow,
  ): Promise<ResponseOf<A>>;
  isConnected(chargePointId: string): boolean;
}

/** The command log row of a command load management sends, and what its late answer is judged against. */
export interface CommandLogRow {
  id: string;
  requestedBy: string;
  /** The station's stored profiles' versions as it went out (`profileVersions`, `CallOptions.recordsAsked`). */
  recordsAsked?: Record<string, string>;
}

export interface ChargingProfileServiceDeps {
  store: ChargingProfileStore;
  commands: StationCommands;
  commandLog: Pick<CommandLogStore, "appendCommandLog" | "listCommandLog">;
  now: () => Date;
  newId: () => string;
  /** Told after a station's stored profiles changed (the dashboard's live view). */
  onChanged?: (chargePointId: string) => void;
  /** The ledger id of a station's own OCPP 2.0.1 transaction id (a TxProfile it names), or null. */
  ledgerIdOf?: (chargePointId: string, stationTransactionId: string) => Promise<number | null>;
  /**
   * The chargingProfileIds a station accepted since its last boot, as the node holding its connection saw
   * them (`ChargePointActor.profilesAcceptedSinceBoot`): after a reboot they are not sent again. Absent or
   * empty: all are.
   */
  acceptedSinceBoot?: (chargePointId: string) => ReadonlySet<number>;
}

export interface SetOutcome {
  /** The station's answer, or Pending: stored, to be sent when the station is back. */
  status: "Accepted" | "Rejected" | "NotSupported" | "Pending";
  /** What is stored now; null when the station did not accept it. */
  profile: StoredChargingProfile | null;
}

export interface ClearOutcome {
  /** The station's answer, or Cleared: only pending profiles were selected, and they never reached it. */
  status: "Accepted" | "Unknown" | "Cleared";
  /** chargingProfileIds no longer stored. */
  removed: number[];
}

/** CALLERROR codes meaning the station does not do smart charging at all. */
const UNSUPPORTED_CODES = new Set(["NotImplemented", "NotSupported"]);

export class ChargingProfileService {
  readonly #deps: ChargingProfileServiceDeps;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(deps: ChargingProfileServiceDeps) {
    this.#deps = deps;
  }

  list(chargePointId: string): Promise<StoredChargingProfile[]> {
    return this.#deps.store.listChargingProfiles(chargePointId);
  }

  /**
   * Sends a profile and stores it when accepted. A station that is not connected gets it when it is back
   * (stored as pending), except a TxProfile, which only means something during a running transaction.
   *
   * With `recordFirst` (load management's increases) it is recorded as installed before it goes out, and put
   * back only when the station did not take it (an answer other than Accepted, a CALLERROR, never sent): while
   * it is in flight, and when its answer is lost (a timeout, the connection or the cluster node that held the
   * station or sent it gone), the record says the station may enforce it, so no division counts the station at
   * less than it may draw.
   */
  set(
    chargePointId: string,
    request: SetChargingProfileRequest,
    meta: { source: ChargingProfileSource; requestedBy: string },
    options: { recordFirst?: boolean } = {},
  ): Promise<SetOutcome> {
    return this.#serial(chargePointId, async () => {
      const at = this.#deps.now().toISOString();
      const stored = await this.#deps.store.listChargingProfiles(chargePointId);
      if (!this.#deps.commands.isConnected(chargePointId)) {
        if (request.csChargingProfiles.chargingProfilePurpose === "TxProfile") {
          throw new NotConnectedError(
            chargePointId,
            "SetChargingProfile",
            "not connected (a TxProfile cannot wait)",
          );
        }
        const pending = storedProfile(request, "pending", { chargePointId, ...meta, at });
        const { remove } = afterSetChargingProfile(stored, request, "Accepted", {
          chargePointId,
          ...meta,
          at,
        });
        await this.#write(chargePointId, { remove, put: [pending] });
        return { status: "Pending", profile: pending };
      }
      const inForce = afterSetChargingProfile(stored, request, "Accepted", { chargePointId, ...meta, at });
      if (options.recordFirst) await this.#write(chargePointId, inForce);
      const asked = options.recordFirst ? withChanges(stored, inForce) : stored;
      let response: ResponseOf<"SetChargingProfile">;
      try {
        response = await this.#send(chargePointId, "SetChargingProfile", request, meta.requestedBy, asked);
      } catch (error) {
        if (options.recordFirst && !mayBeInForce(error)) {
          await this.#write(chargePointId, undoProfileChanges(stored, inForce));
        }
        throw error;
      }
      const changes = afterSetChargingProfile(stored, request, response.status, {
        chargePointId,
        ...meta,
        at,
      });
      if (!options.recordFirst) await this.#write(chargePointId, changes);
      else if (response.status !== "Accepted") {
        await this.#write(chargePointId, undoProfileChanges(stored, inForce));
      }
      // Rejected is about this profile; NotSupported about smart charging as a whole.
      if (response.status === "NotSupported") {
        await this.markSupport(chargePointId, { refusedReason: "NotSupported" });
      } else if (response.status === "Accepted") {
        await this.markSupport(chargePointId, { refusedReason: null });
      }
      return { status: response.status, profile: changes.put[0] ?? null };
    });
  }

  /**
   * Clears profiles (ClearChargingProfile's selection). A station that is not connected can only lose the
   * pending ones, which never reached it; clearing one it holds waits for it to be back (NotConnectedError).
   */
  clear(
    chargePointId: string,
    request: ClearChargingProfileRequest,
    requestedBy: string,
  ): Promise<ClearOutcome> {
    return this.#serial(chargePointId, async () => {
      const stored = await this.#deps.store.listChargingProfiles(chargePointId);
      if (!this.#deps.commands.isConnected(chargePointId)) {
        const selected = stored.filter((s) => clearSelects(request, s));
        if (selected.some((s) => s.state === "installed")) {
          throw new NotConnectedError(chargePointId, "ClearChargingProfile");
        }
        const removed = selected.map((s) => s.chargingProfileId);
        await this.#write(chargePointId, { remove: removed, put: [] });
        return { status: "Cleared", removed };
      }
      const response = await this.#send(chargePointId, "ClearChargingProfile", request, requestedBy, stored);
      const changes = afterClearChargingProfile(stored, request, response.status);
      await this.#write(chargePointId, changes);
      return { status: response.status, removed: changes.remove };
    });
  }

  /**
   * After a reboot: every stored profile is sent again (TxProfiles only while their transaction is active),
   * but those the station accepted since the boot (`acceptedSinceBoot`).
   * Also sends those set while the station was offline. Returns how many the station accepted.
   */
  restore(chargePointId: string, isActive: (transactionId: number) => boolean): Promise<number> {
    return this.#serial(
      chargePointId,
      async () =>
        await this.#restore(
          chargePointId,
          await this.#deps.store.listChargingProfiles(chargePointId),
          isActive,
        ),
    );
  }

  /**
   * A station connected: with `release`, the profiles from `release.source` are cleared first (as `clearFrom`);
   * then, with `reboot`, `reboot.prepare` runs and every stored profile is sent again (as `restore`, with the
   * transactions `reboot.activeTransactionIds` gives, read only when a TxProfile needs them), else those that
   * waited for it (as `sendPending`). One serialized pass: the station's profiles are listed once, and again
   * only after something changed them (a boot is one list call, not three).
   */
  reconnected(
    chargePointId: string,
    options: {
      release?: { source: ChargingProfileSource; requestedBy: string };
      reboot?: {
        prepare: () => Promise<void>;
        activeTransactionIds: () => Promise<number[]>;
      };
    },
  ): Promise<void> {
    return this.#serial(chargePointId, async () => {
      const list = () => this.#deps.store.listChargingProfiles(chargePointId);
      let stored: StoredChargingProfile[] | undefined = await list();
      if (options.release) {
        const { source, requestedBy } = options.release;
        if ((await this.#clearOwned(chargePointId, stored, source, requestedBy)).touched) stored = undefined;
      }
      if (options.reboot) {
        const { prepare, activeTransactionIds } = options.reboot;
        await prepare();
        stored ??= await list();
        // Only a TxProfile of a transaction asks whether it is active: without one, nothing to read.
        const active = stored.some((s) =>
            s.chargingProfilePurpose === "TxProfile" && s.transactionId !== null
          )
          ? new Set(await activeTransactionIds())
          : new Set<number>();
        await this.#restore(chargePointId, stored, (id) => active.has(id));
      } else {
        await this.#sendPending(chargePointId, stored);
      }
    });
  }

  async #restore(
    chargePointId: string,
    stored: StoredChargingProfile[],
    isActive: (transactionId: number) => boolean,
  ): Promise<number> {
    const at = this.#deps.now().toISOString();
    const held = this.#deps.acceptedSinceBoot?.(chargePointId);
    const wrote = await this.#write(chargePointId, afterReboot(stored, isActive, at, held));
    return await this.#sendPending(chargePointId, wrote ? undefined : stored);
  }

  /**
   * Records what an answer to a command sent some other way (the raw command API) taught: an accepted
   * SetChargingProfile or ClearChargingProfile changes the stored profiles as if this service had sent it.
   */
  async recordAnswer(answer: {
    chargePointId: string;
    action: string;
    request: unknown;
    response: unknown;
    requestedBy: string;
    /** The command's dialect; an OCPP 2.0.1 one is recorded as its 1.6 equivalent, when it has one. */
    dialect?: string;
  }): Promise<void> {
    const { chargePointId, action, requestedBy } = answer;
    if (action !== "SetChargingProfile" && action !== "ClearChargingProfile") return;
    const request = answer.dialect === "ocpp2.0.1"
      ? await this.#as16(chargePointId, action, answer.request)
      : answer.request;
    // A 2.0.1 profile 1.6's shape cannot carry exactly is sent but not kept (see ocpp201_profiles.ts).
    if (request === null) return;
    const status = (answer.response as { status: string }).status;
    return await this.#serial(chargePointId, async () => {
      const stored = await this.#deps.store.listChargingProfiles(chargePointId);
      const at = this.#deps.now().toISOString();
      await this.#write(
        chargePointId,
        action === "SetChargingProfile"
          ? afterSetChargingProfile(stored, request as SetChargingProfileRequest, status, {
            chargePointId,
            source: "command",
            requestedBy,
            at,
          })
          : afterClearChargingProfile(stored, request as ClearChargingProfileRequest, status),
      );
    });
  }

  /**
   * Records what a late answer (after its timeout) to one of this service's own SetChargingProfile commands
   * taught (sent with `answerEffects: "late"`: its caller heard of the timeout, and `set` kept the record as
   * it was then). Accepted: the station holds it, so it is recorded installed (a decrease, which the record
   * still counted at the old limit, now in force). Refused: a raise recorded before it went out is not in force,
   * so its record goes (the station kept a profile of that id the record no longer holds: the connector is
   * counted by its other profiles, at most its maximum, never less than it may draw, and its site divided
   * again sends it a limit). A CALLERROR is a refusal, as in time (`set`): the raise goes, and NotImplemented or
   * NotSupported marks the station as not doing smart charging. Nothing when the record of that profile id
   * changed after the command went out (`recordsAsked`, compared for equality: `profiles_asked.ts`): a later
   * command decided it. A ClearChargingProfile's: `#recordLateClear`.
   */
  async recordLateAnswer(answer: {
    chargePointId: string;
    action: string;
    request: unknown;
    response: unknown;
    requestedBy: string;
    /** The station's stored profiles' versions as the command went out; null (unknown): none. */
    recordsAsked: Readonly<Record<string, string>> | null;
    dialect?: string;
    /** The station's CALLERROR instead of a `response`. */
    callError?: { errorCode: string } | null;
  }): Promise<void> {
    const { chargePointId, action, requestedBy } = answer;
    const asked = answer.recordsAsked ?? {};
    if (action === "ClearChargingProfile") return await this.#recordLateClear({ ...answer, asked });
    if (action !== "SetChargingProfile") return;
    const request =
      (answer.dialect === "ocpp2.0.1"
        ? await this.#as16(chargePointId, action, answer.request)
        : answer.request) as SetChargingProfileRequest | null;
    if (request === null) return;
    const errorCode = answer.callError?.errorCode;
    const status = errorCode === undefined
      ? (answer.response as { status?: string } | null)?.status
      : undefined;
    return await this.#serial(chargePointId, async () => {
      const stored = await this.#deps.store.listChargingProfiles(chargePointId);
      const id = request.csChargingProfiles.chargingProfileId;
      if (changedSince(stored, asked, id)) return;
      const current = stored.find((s) => s.chargingProfileId === id);
      if (status === "Accepted") {
        // The profile keeps whose it was; a new one is load management's when it sent it (its requestedBy).
        const source = current?.source ??
          (requestedBy.startsWith("loadManagement:") ? "loadManagement" as const : "api" as const);
        const at = this.#deps.now().toISOString();
        const meta = { chargePointId, source, requestedBy: current?.requestedBy ?? requestedBy, at };
        await this.#write(chargePointId, afterSetChargingProfile(stored, request, "Accepted", meta));
        await this.markSupport(chargePointId, { refusedReason: null });
        return;
      }
      const recordedFirst = current?.state === "installed" && current.connectorId === request.connectorId &&
        sameJson(current.profile, request.csChargingProfiles);
      if (recordedFirst) await this.#write(chargePointId, { remove: [id], put: [] });
      if (status === "NotSupported") await this.markSupport(chargePointId, { refusedReason: "NotSupported" });
      if (errorCode !== undefined && UNSUPPORTED_CODES.has(errorCode)) {
        await this.markSupport(chargePointId, { refusedReason: errorCode });
      }
    });
  }

  /**
   * `recordLateAnswer` of one of this service's own ClearChargingProfile commands (load management letting a
   * station go, an operator's clear through this service): at its timeout the record kept what it selected,
   * as the station may still hold it. Accepted or Unknown: the station holds none of them, so they go, as in
   * time (`afterClearChargingProfile`), but a profile written after the clear went out (a later command
   * decided it: not as `asked`). A CALLERROR cleared nothing: the record stays, and NotImplemented or NotSupported marks the
   * station as not doing smart charging, as a timely one does (`#send`).
   */
  async #recordLateClear(answer: {
    chargePointId: string;
    request: unknown;
    response: unknown;
    asked: Readonly<Record<string, string>>;
    dialect?: string;
    callError?: { errorCode: string } | null;
  }): Promise<void> {
    const { chargePointId, asked } = answer;
    const errorCode = answer.callError?.errorCode;
    if (errorCode !== undefined) {
      if (UNSUPPORTED_CODES.has(errorCode)) {
        await this.markSupport(chargePointId, { refusedReason: errorCode });
      }
      return;
    }
    const request =
      (answer.dialect === "ocpp2.0.1"
        ? await this.#as16(chargePointId, "ClearChargingProfile", answer.request)
        : answer.request) as ClearChargingProfileRequest | null;
    if (request === null) return;
    const status = String((answer.response as { status?: unknown } | null)?.status);
    return await this.#serial(chargePointId, async () => {
      const unchanged = unchangedSince(await this.#deps.store.listChargingProfiles(chargePointId), asked);
      await this.#write(chargePointId, afterClearChargingProfile(unchanged, request, status));
    });
  }

  /** A 2.0.1 profile command as the 1.6 request the record keeps, or null (none exactly). */
  async #as16(chargePointId: string, action: string, request: unknown): Promise<unknown | null> {
    if (action === "ClearChargingProfile") {
      return clearChargingProfile16(request as RequestOf201<"ClearChargingProfile">);
    }
    const set = request as RequestOf201<"SetChargingProfile">;
    const stationId = set.chargingProfile.transactionId;
    const ledgerId = stationId === undefined
      ? null
      : await this.#deps.ledgerIdOf?.(chargePointId, stationId) ?? null;
    return setChargingProfile16(set, ledgerId);
  }

  /** A transaction ended: its TxProfiles are gone from the station (OCPP 1.6 §3.13.2), so from the record. */
  transactionEnded(
    chargePointId: string,
    transaction: { transactionId: number; connectorId: number },
  ): Promise<void> {
    return this.#serial(chargePointId, async () => {
      const stored = await this.#deps.store.listChargingProfiles(chargePointId);
      await this.#write(chargePointId, afterTransactionEnded(stored, transaction));
    });
  }

  /**
   * Forgets the TxProfiles of transactions that are over (see `endedTxProfiles`). The active transactions are
   * read after the profiles: one that starts in between has no TxProfile in what was read.
   */
  forgetEndedTxProfiles(chargePointId: string, activeTransactionIds: () => Promise<number[]>): Promise<void> {
    return this.#serial(chargePointId, async () => {
      const stored = await this.#deps.store.listChargingProfiles(chargePointId);
      if (!stored.some((s) => s.chargingProfilePurpose === "TxProfile" && s.transactionId !== null)) return;
      const active = new Set(await activeTransactionIds());
      await this.#write(chargePointId, endedTxProfiles(stored, (id) => active.has(id)));
    });
  }

  /**
   * Clears, one by one, the station's profiles from `source` (load management letting a station go). Those
   * it cannot clear now (not connected) stay stored; returns how many are left.
   */
  clearFrom(chargePointId: string, source: ChargingProfileSource, requestedBy: string): Promise<number> {
    return this.#serial(chargePointId, async () => {
      const stored = await this.#deps.store.listChargingProfiles(chargePointId);
      return (await this.#clearOwned(chargePointId, stored, source, requestedBy)).left;
    });
  }

  /** `clearFrom` on the profiles just listed; `touched` when it sent or wrote anything (`stored` is stale). */
  async #clearOwned(
    chargePointId: string,
    stored: StoredChargingProfile[],
    source: ChargingProfileSource,
    requestedBy: string,
  ): Promise<{ left: number; touched: boolean }> {
    const owned = stored.filter((s) => s.source === source);
    let left = owned.length;
    for (const s of owned) {
      const request = { id: s.chargingProfileId };
      if (s.state === "pending") {
        await this.#write(chargePointId, { remove: [s.chargingProfileId], put: [] });
      } else {
        if (!this.#deps.commands.isConnected(chargePointId)) continue;
        const response = await this.#send(
          chargePointId,
          "ClearChargingProfile",
          request,
          requestedBy,
          stored,
        );
        const now = await this.#deps.store.listChargingProfiles(chargePointId);
        await this.#write(chargePointId, afterClearChargingProfile(now, request, response.status));
      }
      left--;
    }
    return { left, touched: owned.length > 0 };
  }

  /** Sends the profiles waiting for a station that is back without having rebooted. */
  sendPending(chargePointId: string): Promise<number> {
    return this.#serial(chargePointId, () => this.#sendPending(chargePointId));
  }

  /**
   * Asks a connector's composite schedule (in amps, for `durationS`) and, when it shows the station lost
   * profiles we stored, sends all of them again. Returns the station's answer and whether it lost some.
   */
  verify(
    chargePointId: string,
    connectorId: number,
    durationS: number,
    requestedBy: string,
  ): Promise<{ schedule: ResponseOf<"GetCompositeSchedule">; lost: boolean }> {
    return this.#serial(chargePointId, async () => {
      const schedule = await this.#send(
        chargePointId,
        "GetCompositeSchedule",
        { connectorId, duration: durationS, chargingRateUnit: "A" },
        requestedBy,
      );
      const now = this.#deps.now();
      const stored = await this.#deps.store.listChargingProfiles(chargePointId);
      const lost = compositeShowsLoss(stored, connectorId, schedule, now);
      if (lost) {
        await this.#write(chargePointId, afterReboot(stored, () => true, now.toISOString()));
        await this.#sendPending(chargePointId);
      }
      return { schedule, lost };
    });
  }

  /** `listed`: the station's profiles just listed, when nothing changed them since (saves a list call). */
  async #sendPending(chargePointId: string, listed?: StoredChargingProfile[]): Promise<number> {
    const order = ["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"];
    // What each command goes out with: the list as read, then as this loop's own writes left it.
    let current = listed ?? await this.#deps.store.listChargingProfiles(chargePointId);
    const pending = current
      .filter((s) => s.state === "pending")
      .sort((a, b) => order.indexOf(a.chargingProfilePurpose) - order.indexOf(b.chargingProfilePurpose));
    let accepted = 0;
    for (const s of pending) {
      const request = resendRequest(s);
      const response = await this.#send(chargePointId, "SetChargingProfile", request, s.requestedBy, current);
      const at = this.#deps.now().toISOString();
      const stored = await this.#deps.store.listChargingProfiles(chargePointId);
      const meta = { chargePointId, source: s.source, requestedBy: s.requestedBy, at };
      // The station will not take it back (not Accepted): it is no longer ours to re-send.
      const changes = response.status === "Accepted"
        ? afterSetChargingProfile(stored, request, "Accepted", meta)
        : { remove: [s.chargingProfileId], put: [] };
      if (response.status === "Accepted") accepted++;
      await this.#write(chargePointId, changes);
      current = withChanges(stored, changes);
    }
    return accepted;
  }

  /**
   * Records how a station takes profiles (a refusing one is counted at its maximum by its site); the fields
   * not given keep their value. Writes only a change.
   */
  async markSupport(
    chargePointId: string,
    change: Partial<Omit<ChargingProfileSupport, "chargePointId" | "updatedAt">>,
  ): Promise<void> {
    const at = this.#deps.now().toISOString();
    const current = await this.#deps.store.getChargingProfileSupport(chargePointId);
    const before = current ?? noSupportFacts(chargePointId, at);
    const next: ChargingProfileSupport = { ...before, ...change, updatedAt: at };
    if (current && sameFacts(current, next)) return;
    // Nothing learnt yet and nothing to learn: no row for a station that answers as it should.
    if (!current && sameFacts(before, next)) return;
    // Only these facts: another change learnt at the same moment (a division, a command) stays.
    await this.#deps.store.changeChargingProfileSupport(chargePointId, change, at);
  }

  /** Forgets what a station taught about profiles (it booted: its firmware may have changed). */
  async forgetSupport(chargePointId: string): Promise<void> {
    if (await this.#deps.store.getChargingProfileSupport(chargePointId)) {
      await this.#deps.store.putChargingProfileSupport(
        noSupportFacts(chargePointId, this.#deps.now().toISOString()),
      );
    }
  }

  /** Stores `changes`; false when there were none (nothing written). */
  async #write(
    chargePointId: string,
    changes: { remove: number[]; put: StoredChargingProfile[] },
  ): Promise<boolean> {
    if (changes.remove.length === 0 && changes.put.length === 0) return false;
    await this.#deps.store.updateChargingProfiles(chargePointId, changes);
    this.#deps.onChanged?.(chargePointId);
    return true;
  }

  /** Sends one command and writes its command log line, whatever the outcome. */
  async #send<A extends ProfileAction>(
    chargePointId: string,
    action: A,
    payload: RequestOf<A>,
    requestedBy: string,
    /** The station's stored profiles as it goes out: its late answer is judged against them. */
    asked?: readonly StoredChargingProfile[],
  ): Promise<ResponseOf<A>> {
    const requestedAt = this.#deps.now().toISOString();
    const id = this.#deps.newId();
    // The sender writes this row before the CALL may leave and settles it; this write only fills in what
    // never reached it (a row of the same id that knows as much is kept as it is).
    const log = (outcome: CommandLogEntry["outcome"], response: unknown) =>
      this.#deps.commandLog.appendCommandLog({
        id,
        chargePointId,
        action,
        payload,
        requestedBy,
        requestedAt,
        outcome,
        response,
        finishedAt: this.#deps.now().toISOString(),
      }).catch(() => {
        // The command itself is done; losing its log line must not turn its answer into an error.
      });
    try {
      const row: CommandLogRow = asked
        ? { id, requestedBy, recordsAsked: profileVersions(asked) }
        : { id, requestedBy };
      const response = await this.#deps.commands.call(chargePointId, action, payload, row);
      await log("accepted", response);
      return response;
    } catch (error) {
      const failed = loggedCommandOutcome(error) ??
        { outcome: "invalid" as const, response: { reason: String(error) } };
      await log(failed.outcome, failed.response);
      if (error instanceof CallErrorResponse && UNSUPPORTED_CODES.has(error.errorCode)) {
        await this.markSupport(chargePointId, { refusedReason: error.errorCode });
      }
      throw error;
    }
  }

  #serial<T>(chargePointId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(chargePointId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.#queues.set(chargePointId, next);
    const forget = () => {
      if (this.#queues.get(chargePointId) === next) this.#queues.delete(chargePointId);
    };
    next.then(forget, forget);
    return next;
  }
}

/** Equal JSON values, whatever the order of their keys (PostgreSQL's jsonb gives them back in its own). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length &&
    keysA.every((k) =>
      Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    );
}

/** The same facts about a station's support, whenever learnt. */
function sameFacts(a: ChargingProfileSupport, b: ChargingProfileSupport): boolean {
  return a.refusedReason === b.refusedReason && a.txDefaultOnly === b.txDefaultOnly &&
    a.stationDefaultRejected === b.stationDefaultRejected && a.unanswered?.runs === b.unanswered?.runs &&
    a.unanswered?.until === b.unanswered?.until;
}

/**
 * Whether a failed SetChargingProfile may be in force all the same: its CALL may have reached the station and
 * only the answer is missing. Not when it never went out (not connected, refused by us) or the station answered
 * with a CALLERROR.
 */
function mayBeInForce(error: unknown): boolean {
  return !(error instanceof NotConnectedError || error instanceof CommandRefusedError ||
    error instanceof CallErrorResponse);
}

/**
 * Keeps each connected station's local authorization list equal to the managed one (OCPP 1.6 §3.5):
 * GetLocalListVersion, then what `planLocalList` says (nothing, a Differential of the changed tags, or a Full
 * list), within the station's LocalAuthListMaxLength and SendLocalListMaxLength (GetConfiguration, once per
 * connection). A station that answers NotSupported (or version -1) is marked and left alone until it boots
 * again; VersionMismatch turns a Differential into a Full list; Failed is retried by the periodic check.
 *
 * Syncs of one station run one at a time (a second request while one is queued joins it). The station's record
 * says what we know it holds; it is cleared before a list that takes several messages, so an interrupted one
 * is sent again in full.
 */
import type { StationEvent } from "../actors/events.ts";
import type { Registry } from "../actors/registry.ts";
import type { Logger } from "../logger.ts";
import type { LocalListStore, StationListRecord, StationListStatus } from "../store/fleet.ts";
import { idTagKey, type IdTagRecord } from "../model/id_tag.ts";
import type { Store } from "../store/mod.ts";
import type { CommandSender } from "./command_sender.ts";
import { holdsCurrentList, type LocalListMessage, planLocalList } from "./local_list_plan.ts";

export interface LocalListSyncDeps {
  localLists: LocalListStore;
  idTags: Pick<Store, "getIdTag" | "listIdTags">;
  send: CommandSender;
  registry: Pick<Registry, "list" | "get" | "isConnected">;
  now: () => Date;
  logger: Logger;
}

interface Limits {
  maxListLength: number | null;
  maxSendLength: number | null;
}

const REQUESTED_BY = "system:local-list";
/** Stations synced at once after a tag change. */
const PARALLEL = 20;
/** Fewer members than this are read one by one; more, by a scan of the id tags. */
const READ_ONE_BY_ONE = 200;
/** How long the members read for one list version serve the stations syncing to it. */
const MEMBERS_REUSE_MS = 30_000;

export class LocalListSync {
  #queued = new Map<string, Promise<StationListRecord | null>>();
  #running = new Map<string, Promise<unknown>>();
  #limits = new Map<string, Limits>();
  /**
   * The members read for one list version, shared by the stations syncing to it: a change syncs every
   * connected station, and each read is every member and, past a few hundred, every id tag. A member's
   * authorization change is a new version (`tagChanged`), so one version's members do not change.
   */
  #membersRead: { version: number; atMs: number; members: Promise<Map<string, IdTagRecord | null>> } | null =
    null;

  constructor(private readonly deps: LocalListSyncDeps) {}

  /** Puts a tag on the managed list or takes it off; connected stations follow. Returns the list version. */
  async setMember(idTag: string, member: boolean): Promise<number> {
    const before = await this.deps.localLists.currentVersion();
    const version = await this.deps.localLists.setMember(idTag, member, this.deps.now().toISOString());
    if (version !== before) void this.syncConnected();
    return version;
  }

  /** A tag's authorization changed (status, expiry, parent, deleted): stations holding it get the change. */
  async tagChanged(idTag: string, deleted = false): Promise<void> {
    const at = this.deps.now().toISOString();
    const { localLists } = this.deps;
    const changed = deleted
      ? await localLists.isMember(idTag) && await localLists.setMember(idTag, false, at) > 0
      : await localLists.touchMember(idTag, at) !== null;
    if (changed) void this.syncConnected();
  }

  /**
   * A SendLocalList not of ours was accepted (an operator's command, a job): while a list is managed, the station
   * no longer holds the version we recorded. Its record says so, and the periodic catch-up (`syncBehind`) gives
   * it the managed list again, rather than the list page calling it synced until its next connection.
   */
  async listReplaced(chargePointId: string, listVersion: number, requestedBy: string): Promise<void> {
    if (requestedBy === REQUESTED_BY) return;
    if (await this.deps.localLists.currentVersion() === 0) return;
    await this.#record(
      chargePointId,
      null,
      "failed",
      `${requestedBy} sent a list of its own (SendLocalList version ${listVersion}); the managed list follows`,
    );
  }

  /** Syncs every station connected to this process. */
  async syncConnected(): Promise<void> {
    const ids = this.deps.registry.list().map((s) => s.id);
    for (let i = 0; i < ids.length; i += PARALLEL) {
      await Promise.all(ids.slice(i, i + PARALLEL).map((id) => this.sync(id).catch(() => null)));
    }
  }

  /** Syncs connected stations the store says are behind or failed (the periodic catch-up, cluster-wide). */
  async syncBehind(): Promise<void> {
    const current = await this.deps.localLists.currentVersion();
    if (current === 0) return;
    const records = new Map((await this.deps.localLists.listStationLists()).map((r) => [r.chargePointId, r]));
    for (const { id } of this.deps.registry.list()) {
      const r = records.get(id);
      if (r?.status === "not_supported" || r?.status === "too_large") continue;
      if (r?.status === "synced" && r.version === current) continue;
      await this.sync(id).catch(() => null);
    }
  }

  /** Follows the station events: a boot or an accepted station's connection syncs it. */
  async stationEvent(event: StationEvent): Promise<void> {
    if (event.type === "disconnected") {
      this.#limits.delete(event.chargePointId);
      return;
    }
    const accepted = event.type === "boot"
      ? event.registrationStatus === "Accepted"
      : event.type === "connected" &&
        this.deps.registry.get(event.chargePointId)?.snapshot?.registrationStatus === "Accepted";
    if (!accepted) return;
    if (event.type === "boot") this.#limits.delete(event.chargePointId);
    // After the station's own CALL is answered (events are published before the answer goes out).
    await new Promise((resolve) => setTimeout(resolve, 0));
    await this.sync(event.chargePointId, { afterBoot: event.type === "boot" });
  }

  /** Syncs one station now (after its running sync); resolves with its record, null when nothing is managed. */
  sync(chargePointId: string, options: { afterBoot?: boolean } = {}): Promise<StationListRecord | null> {
    const queued = this.#queued.get(chargePointId);
    if (queued) return queued;
    const previous = this.#running.get(chargePointId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => {
      this.#queued.delete(chargePointId);
      return this.#sync(chargePointId, options.afterBoot ?? false);
    });
    this.#queued.set(chargePointId, next);
    this.#running.set(chargePointId, next);
    void next.finally(() => {
      if (this.#running.get(chargePointId) === next) this.#running.delete(chargePointId);
    }).catch(() => {});
    return next;
  }

  async #sync(chargePointId: string, afterBoot: boolean): Promise<StationListRecord | null> {
    const { localLists } = this.deps;
    const current = await localLists.currentVersion();
    if (current === 0) return null;
    if (!this.deps.registry.isConnected(chargePointId)) return await localLists.getStationList(chargePointId);
    const stored = await localLists.getStationList(chargePointId);
    if (stored?.status === "not_supported" && !afterBoot) return stored;

    const version = await this.#command(chargePointId, "GetLocalListVersion", {});
    if (!version.ok) return await this.#record(chargePointId, stored?.version ?? null, "failed", version.why);
    const stationVersion = Number((version.response as { listVersion: number }).listVersion);
    if (stationVersion === -1) {
      return await this.#record(chargePointId, null, "not_supported", "GetLocalListVersion answered -1");
    }
    let full = false;
    for (let round = 0; round < 2; round++) {
      const knownVersion = stored?.version ?? null;
      const currentVersion = await localLists.currentVersion();
      const state = { stationVersion, knownVersion: round === 0 ? knownVersion : null, currentVersion, full };
      if (currentVersion !== 0 && holdsCurrentList(state)) {
        return await this.#record(chargePointId, currentVersion, "synced", null);
      }
      const changes = knownVersion !== null ? await localLists.changesSince(knownVersion) : null;
      const limits = await this.#limitsOf(chargePointId);
      const plan = planLocalList({
        ...state,
        members: await this.#membersAt(currentVersion),
        changes,
        ...limits,
      });
      switch (plan.kind) {
        case "not_managed":
          return null;
        case "up_to_date":
          return await this.#record(chargePointId, currentVersion, "synced", null);
        case "too_large":
          return await this.#record(
            chargePointId,
            null,
            "too_large",
            `the list has ${plan.size} tags, the station takes ${plan.max} (LocalAuthListMaxLength)`,
          );
      }
      if (plan.updateType === "Full" || plan.messages.length > 1) {
        // Until the last message is accepted the station holds no version we know.
        await this.#record(
          chargePointId,
          null,
          "pending",
          `sending ${plan.updateType} in ${plan.messages.length}`,
        );
      }
      const outcome = await this.#sendAll(chargePointId, plan.messages, plan.updateType);
      if (outcome.status === "mismatch") {
        if (plan.updateType === "Full") {
          return await this.#record(
            chargePointId,
            null,
            "failed",
            "SendLocalList: VersionMismatch on a Full list",
          );
        }
        full = true;
        continue;
      }
      if (outcome.status === "synced") {
        this.deps.logger.info("local list synced", {
          chargePointId,
          updateType: plan.updateType,
          listVersion: plan.version,
          messages: plan.messages.length,
        });
        return await this.#record(chargePointId, plan.version, "synced", null);
      }
      return await this.#record(chargePointId, outcome.version, outcome.status, outcome.detail);
    }
    return await this.#record(chargePointId, null, "failed", "VersionMismatch twice");
  }

  async #sendAll(
    chargePointId: string,
    messages: readonly LocalListMessage[],
    updateType: "Full" | "Differential",
  ): Promise<
    | { status: "synced" }
    | { status: "mismatch" }
    | { status: StationListStatus; version: number | null; detail: string }
  > {
    let version: number | null = null;
    for (const message of messages) {
      const answer = await this.#command(chargePointId, "SendLocalList", message);
      if (!answer.ok) return { status: "failed", version, detail: answer.why };
      const status = (answer.response as { status: string }).status;
      if (status === "VersionMismatch") return { status: "mismatch" };
      if (status === "NotSupported") {
        return { status: "not_supported", version: null, detail: "SendLocalList: NotSupported" };
      }
      if (status !== "Accepted") return { status: "failed", version, detail: `SendLocalList: ${status}` };
      // A Differential chunk leaves the station at its version; a Full one's chunks only at the end.
      if (updateType === "Differential") version = message.listVersion;
    }
    return { status: "synced" };
  }

  async #command(
    chargePointId: string,
    action: string,
    payload: unknown,
  ): Promise<{ ok: true; response: unknown } | { ok: false; why: string }> {
    const result = await this.deps.send({ chargePointId, action, payload, requestedBy: REQUESTED_BY });
    if (result.outcome === "accepted") return { ok: true, response: result.response };
    return { ok: false, why: `${action}: ${result.outcome}` };
  }

  async #limitsOf(chargePointId: string): Promise<Limits> {
    const known = this.#limits.get(chargePointId);
    if (known) return known;
    const answer = await this.#command(chargePointId, "GetConfiguration", {
      key: ["LocalAuthListMaxLength", "SendLocalListMaxLength"],
    });
    const keys = answer.ok
      ? (answer.response as { configurationKey?: { key: string; value?: string }[] }).configurationKey ?? []
      : [];
    const number = (key: string) => {
      const value = Number(keys.find((k) => k.key === key)?.value);
      return Number.isInteger(value) && value >= 0 ? value : null;
    };
    const limits = {
      maxListLength: number("LocalAuthListMaxLength"),
      maxSendLength: number("SendLocalListMaxLength"),
    };
    if (answer.ok) this.#limits.set(chargePointId, limits);
    return limits;
  }

  /** `#members()` at list version `version`: read once for the stations syncing to it, for a while. */
  #membersAt(version: number): Promise<Map<string, IdTagRecord | null>> {
    const atMs = this.deps.now().getTime();
    const read = this.#membersRead;
    if (read && read.version === version && atMs - read.atMs < MEMBERS_REUSE_MS) return read.members;
    const members = this.#members();
    const entry = { version, atMs, members };
    this.#membersRead = entry;
    members.catch(() => {
      if (this.#membersRead === entry) this.#membersRead = null;
    });
    return members;
  }

  /** Every member with its id tag record (null when the tag no longer exists). */
  async #members(): Promise<Map<string, IdTagRecord | null>> {
    const members = await this.deps.localLists.listMembers();
    const out = new Map<string, IdTagRecord | null>(members.map((m) => [m, null]));
    if (members.length < READ_ONE_BY_ONE) {
      await Promise.all(members.map(async (m) => out.set(m, await this.deps.idTags.getIdTag(m))));
      return out;
    }
    // Matched as tags are, in any case (a member's spelling may differ from its record's).
    const memberOf = new Map(members.map((m) => [idTagKey(m), m]));
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.idTags.listIdTags({
        limit: 1000,
        ...(after !== undefined ? { after } : {}),
      });
      for (const tag of page) {
        const member = memberOf.get(idTagKey(tag.idTag));
        if (member !== undefined) out.set(member, tag);
      }
      if (page.length < 1000) return out;
      after = page.at(-1)!.idTag;
    }
  }

  async #record(
    chargePointId: string,
    version: number | null,
    status: StationListStatus,
    detail: string | null,
  ): Promise<StationListRecord> {
    const at = this.deps.now().toISOString();
    const record: StationListRecord = {
      chargePointId,
      version,
      status,
      detail,
      lastSyncAt: status === "synced"
        ? at
        : (await this.deps.localLists.getStationList(chargePointId))?.lastSyncAt ?? null,
      updatedAt: at,
    };
    await this.deps.localLists.putStationList(record);
    if (status !== "synced" && status !== "pending") {
      this.deps.logger.warn("local list not synced", { chargePointId, status, detail });
    }
    return record;
  }
}

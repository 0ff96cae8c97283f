/**
 * The EnergyStore on Deno KV.
 *
 * Layout:
 * - `["site", siteId]` SiteRecord; `["site_cp", chargePointId]` -> siteId (which site a station is in);
 *   `["site_meta", "version"]`, bumped by every site write: site writes are rare, and checking this one key
 *   serialises them, where checking every station's pointer would exceed KV's 100 checks per atomic.
 * - `["site_sample", siteId, at]` SiteSample
 * - `["cprofile", chargePointId, chargingProfileId]` StoredChargingProfile; `["mark", "cprofile", chargePointId]`
 *   while the station may have any (see presence.ts: a station without profiles is answered without a list)
 * - `["cprofile_support", chargePointId]` ChargingProfileSupport
 *
 * @example
 * ```ts ignore
 * const store = await openKvEnergyStore(":memory:");
 * await store.listSites({ limit: 10 }); // []
 * await store.close();
 * ```
 */
import {
  type ChargingProfileChanges,
  type ChargingProfileSupport,
  noSupportFacts,
  type StoredChargingProfile,
  type UnansweredProfiles,
} from "../../model/charging_profile.ts";
import type { SiteRecord, SiteSample } from "../../model/site.ts";
import {
  type ChargingProfileSupportChange,
  checkProfileChanges,
  compareProfiles,
  DEFAULT_SAMPLE_RETENTION_MS,
  type EnergyStore,
  oneMoreUnansweredRun,
  SiteConflictError,
} from "../energy.ts";
import { changeEntry } from "./kv_helpers.ts";
import { openKvHandle } from "./mod.ts";
import { PresenceMarks } from "./presence.ts";
import { sharedReads } from "./reads.ts";

const SITE = "site";
const SITE_CP = "site_cp";
const SITE_VERSION: Deno.KvKey = ["site_meta", "version"];
const SAMPLE = "site_sample";
const PROFILE = "cprofile";
const SUPPORT = "cprofile_support";
/** Keys deleted per atomic when a site's samples go (KV allows 1000 mutations). */
const DELETE_BATCH = 500;

export interface KvEnergyStoreOptions {
  sampleRetentionMs?: number;
  /** Close the handle in `close()`: true when the store opened it, false when the server shares it. */
  ownsHandle?: boolean;
}

/** Opens the store on a KV handle of its own (tests); the server shares one handle (store/open.ts). */
export async function openKvEnergyStore(
  path?: string,
  options: Omit<KvEnergyStoreOptions, "ownsHandle"> = {},
): Promise<KvEnergyStore> {
  return new KvEnergyStore(await openKvHandle(path), { ...options, ownsHandle: true });
}

export class KvEnergyStore implements EnergyStore {
  readonly #kv: Deno.Kv;
  readonly #retentionMs: number;
  readonly #ownsHandle: boolean;
  readonly #profiles: PresenceMarks;
  #closed = false;

  constructor(kv: Deno.Kv, options: KvEnergyStoreOptions = {}) {
    this.#kv = kv;
    this.#retentionMs = options.sampleRetentionMs ?? DEFAULT_SAMPLE_RETENTION_MS;
    this.#ownsHandle = options.ownsHandle ?? false;
    this.#profiles = new PresenceMarks(kv, PROFILE);
  }

  // ---------------------------------------------------------------------------------------------- sites

  async getSite(siteId: string): Promise<SiteRecord | null> {
    return (await this.#kv.get<SiteRecord>([SITE, siteId])).value;
  }

  async putSite(site: SiteRecord): Promise<void> {
    for (;;) {
      const version = await this.#kv.get(SITE_VERSION);
      const existing = await this.getSite(site.siteId);
      const pointers = await this.#getMany<string>(site.chargePointIds.map((id) => [SITE_CP, id]));
      for (const [i, owner] of pointers.entries()) {
        if (owner !== null && owner !== site.siteId) {
          throw new SiteConflictError(site.chargePointIds[i]!, owner);
        }
      }
      const op = this.#kv.atomic().check(version).sum(SITE_VERSION, 1n).set([SITE, site.siteId], site);
      const kept = new Set(site.chargePointIds);
      for (const id of existing?.chargePointIds ?? []) if (!kept.has(id)) op.delete([SITE_CP, id]);
      for (const [i, id] of site.chargePointIds.entries()) {
        if (pointers[i] === null) op.set([SITE_CP, id], site.siteId);
      }
      if ((await op.commit()).ok) return;
    }
  }

  async deleteSite(siteId: string): Promise<boolean> {
    for (;;) {
      const version = await this.#kv.get(SITE_VERSION);
      const existing = await this.getSite(siteId);
      if (existing === null) return false;
      const op = this.#kv.atomic().check(version).sum(SITE_VERSION, 1n).delete([SITE, siteId]);
      for (const id of existing.chargePointIds) op.delete([SITE_CP, id]);
      if ((await op.commit()).ok) break;
    }
    await this.#deleteRange({ prefix: [SAMPLE, siteId] });
    return true;
  }

  async listSites(page: { limit: number; after?: string }): Promise<SiteRecord[]> {
    const selector: Deno.KvListSelector = page.after === undefined
      ? { prefix: [SITE] }
      : { prefix: [SITE], start: [SITE, page.after + "\0"] };
    const out: SiteRecord[] = [];
    for await (const entry of this.#kv.list<SiteRecord>(selector, { limit: page.limit })) {
      out.push(entry.value);
    }
    return out;
  }

  async siteOfChargePoint(chargePointId: string): Promise<string | null> {
    return (await sharedReads(this.#kv).get<string>([SITE_CP, chargePointId])).value;
  }

  async appendSiteSample(sample: SiteSample): Promise<void> {
    await this.#kv.set([SAMPLE, sample.siteId, sample.at], sample);
    const cutoff = new Date(Date.parse(sample.at) - this.#retentionMs).toISOString();
    await this.#deleteRange({ start: [SAMPLE, sample.siteId, ""], end: [SAMPLE, sample.siteId, cutoff] });
  }

  async listSiteSamples(siteId: string, page: { limit: number; before?: string }): Promise<SiteSample[]> {
    const selector: Deno.KvListSelector = page.before === undefined
      ? { prefix: [SAMPLE, siteId] }
      : { prefix: [SAMPLE, siteId], end: [SAMPLE, siteId, page.before] };
    const out: SiteSample[] = [];
    for await (const entry of this.#kv.list<SiteSample>(selector, { limit: page.limit, reverse: true })) {
      out.push(entry.value);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- profiles

  /** Read on every transaction event: a station without profiles costs a point read, not a list. */
  listChargingProfiles(chargePointId: string): Promise<StoredChargingProfile[]> {
    return this.#profiles.list(chargePointId, async () => {
      const out: StoredChargingProfile[] = [];
      for await (const entry of this.#kv.list<StoredChargingProfile>({ prefix: [PROFILE, chargePointId] })) {
        out.push(entry.value);
      }
      return out.sort(compareProfiles);
    }, true);
  }

  async updateChargingProfiles(chargePointId: string, changes: ChargingProfileChanges): Promise<void> {
    checkProfileChanges(chargePointId, changes);
    const op = this.#kv.atomic();
    const put = new Set(changes.put.map((p) => p.chargingProfileId));
    for (const id of changes.remove) if (!put.has(id)) op.delete([PROFILE, chargePointId, id]);
    for (const p of changes.put) op.set([PROFILE, chargePointId, p.chargingProfileId], p);
    if (changes.put.length > 0) op.set(this.#profiles.key(chargePointId), true);
    if (!(await op.commit()).ok) throw new Error(`Cannot store the charging profiles of "${chargePointId}"`);
  }

  async getChargingProfileSupport(chargePointId: string): Promise<ChargingProfileSupport | null> {
    const stored = (await sharedReads(this.#kv).get<ChargingProfileSupport>([SUPPORT, chargePointId])).value;
    // Written before load management kept what it learns per node here: nothing learnt then.
    return stored && { ...noSupportFacts(chargePointId, stored.updatedAt), ...stored };
  }

  async putChargingProfileSupport(support: ChargingProfileSupport): Promise<void> {
    await this.#kv.set([SUPPORT, support.chargePointId], support);
  }

  async changeChargingProfileSupport(
    chargePointId: string,
    change: ChargingProfileSupportChange,
    updatedAt: string,
  ): Promise<void> {
    // Checked against what it read: a change made meanwhile is read again and kept.
    await changeEntry<ChargingProfileSupport>(
      this.#kv,
      [SUPPORT, chargePointId],
      "change a station's charging profile support",
      (stored) => ({ ...noSupportFacts(chargePointId, updatedAt), ...stored, ...change, updatedAt }),
    );
  }

  async countUnansweredRun(
    chargePointId: string,
    run: { at: string; benchFrom: number; benchedUntil: string },
  ): Promise<UnansweredProfiles> {
    // Checked against what it read: a reconnect's clearing meanwhile is read again and counted from.
    const { after } = await changeEntry<ChargingProfileSupport>(
      this.#kv,
      [SUPPORT, chargePointId],
      "count a station's unanswered run",
      (stored) => {
        const before = { ...noSupportFacts(chargePointId, run.at), ...stored };
        return { ...before, unanswered: oneMoreUnansweredRun(before.unanswered, run), updatedAt: run.at };
      },
    );
    return after!.unanswered!;
  }

  // ---------------------------------------------------------------------------------------------- helpers

  async #getMany<T>(keys: Deno.KvKey[]): Promise<(T | null)[]> {
    const out: (T | null)[] = [];
    // getMany reads at most 10 keys.
    for (let i = 0; i < keys.length; i += 10) {
      for (const entry of await this.#kv.getMany<T[]>(keys.slice(i, i + 10))) out.push(entry.value);
    }
    return out;
  }

  async #deleteRange(selector: Deno.KvListSelector): Promise<void> {
    for (;;) {
      const op = this.#kv.atomic();
      let n = 0;
      for await (const entry of this.#kv.list(selector, { limit: DELETE_BATCH })) {
        op.delete(entry.key);
        n++;
      }
      if (n === 0) return;
      await op.commit();
      if (n < DELETE_BATCH) return;
    }
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#ownsHandle) this.#kv.close();
    }
    return Promise.resolve();
  }
}

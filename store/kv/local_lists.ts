/**
 * The LocalListStore on Deno KV.
 *
 * Layout: `["ll_version"]` the current list version; `["ll_member", idTagKey(idTag)]` -> the member's spelling
 * (members match in any case, as id tags do; files written before hold `true` under the spelling and are
 * rekeyed once when opened, `foldIdTagKeys`); `["ll_change", version]` LocalListChange; `["ll_pruned"]` the
 * highest version whose change was forgotten; `["ll_station", cpId]` StationListRecord. Every change checks
 * the version entry, so versions are handed out one at a time.
 */
import { idTagKey } from "../../model/id_tag.ts";
import type { LocalListChange, LocalListStore, StationListRecord } from "../fleet.ts";
import { listAll, retryAtomic } from "./kv_helpers.ts";
import { sharedReads } from "./reads.ts";

const VERSION: Deno.KvKey = ["ll_version"];
const PRUNED: Deno.KvKey = ["ll_pruned"];
const memberKey = (idTag: string): Deno.KvKey => ["ll_member", idTagKey(idTag)];
/** A member's spelling: the value since keys are folded. */
const spellingOf = (entry: Deno.KvEntryMaybe<unknown>, asked: string): string =>
  typeof entry.value === "string" ? entry.value : asked;
const changeKey = (version: number): Deno.KvKey => ["ll_change", version];
const stationKey = (cp: string): Deno.KvKey => ["ll_station", cp];

export class KvLocalListStore implements LocalListStore {
  constructor(private readonly kv: Deno.Kv) {}

  setMember(idTag: string, member: boolean, at: string): Promise<number> {
    return retryAtomic("change the local list", async () => {
      const [version, current] = await this.kv.getMany<[number, unknown]>([VERSION, memberKey(idTag)]);
      const isMember = current.versionstamp !== null;
      if (isMember === member) return version.value ?? 0;
      const next = (version.value ?? 0) + 1;
      // A removal names the member as the stations got it.
      const spelling = spellingOf(current, idTag);
      const change: LocalListChange = {
        version: next,
        idTag: spelling,
        op: member ? "upsert" : "remove",
        at,
      };
      const op = this.kv.atomic().check(version).check(current).set(VERSION, next).set(
        changeKey(next),
        change,
      );
      if (member) op.set(memberKey(idTag), idTag);
      else op.delete(memberKey(idTag));
      return (await op.commit()).ok ? next : undefined;
    });
  }

  touchMember(idTag: string, at: string): Promise<number | null> {
    return retryAtomic("change the local list", async () => {
      const [version, current] = await this.kv.getMany<[number, unknown]>([VERSION, memberKey(idTag)]);
      if (current.versionstamp === null) return null;
      const next = (version.value ?? 0) + 1;
      const change: LocalListChange = { version: next, idTag: spellingOf(current, idTag), op: "upsert", at };
      const res = await this.kv.atomic().check(version).check(current).set(VERSION, next)
        .set(changeKey(next), change).commit();
      return res.ok ? next : undefined;
    });
  }

  async isMember(idTag: string): Promise<boolean> {
    return (await this.kv.get(memberKey(idTag))).versionstamp !== null;
  }

  async listMembers(): Promise<string[]> {
    const entries = await listAll(this.kv, { prefix: ["ll_member"] });
    return entries.map((e) => spellingOf(e, e.key[1] as string)).sort();
  }

  async currentVersion(): Promise<number> {
    return (await sharedReads(this.kv).get<number>(VERSION)).value ?? 0;
  }

  async changesSince(version: number): Promise<LocalListChange[] | null> {
    const pruned = (await this.kv.get<number>(PRUNED)).value ?? 0;
    if (version < pruned) return null;
    const entries = await listAll<LocalListChange>(this.kv, {
      prefix: ["ll_change"],
      start: changeKey(version + 1),
    });
    return entries.map((e) => e.value);
  }

  async pruneChanges(beforeVersion: number): Promise<number> {
    const old = await listAll(this.kv, { prefix: ["ll_change"], end: changeKey(beforeVersion) }, {
      limit: 250,
    });
    if (old.length === 0) return 0;
    const highest = old.at(-1)!.key[1] as number;
    const op = this.kv.atomic();
    for (const e of old) op.delete(e.key);
    await retryAtomic("prune local list changes", async () => {
      const pruned = await this.kv.get<number>(PRUNED);
      const res = await this.kv.atomic().check(pruned).set(PRUNED, Math.max(pruned.value ?? 0, highest))
        .commit();
      return res.ok ? true : undefined;
    });
    await op.commit();
    return old.length;
  }

  async getStationList(chargePointId: string): Promise<StationListRecord | null> {
    return (await this.kv.get<StationListRecord>(stationKey(chargePointId))).value;
  }

  async putStationList(record: StationListRecord): Promise<void> {
    await this.kv.set(stationKey(record.chargePointId), record);
  }

  async listStationLists(): Promise<StationListRecord[]> {
    return (await listAll<StationListRecord>(this.kv, { prefix: ["ll_station"] })).map((e) => e.value);
  }
}

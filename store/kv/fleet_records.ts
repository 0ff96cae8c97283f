/**
 * The small fleet stores on Deno KV: transaction flags (`["txflag", transactionId, kind]` with
 * `["txflag_kind", kind, transactionId]` -> true; those of active transactions found from the Store's
 * open-transaction pointers), the shared settings (`["fleet_settings"]`) and named leases
 * (`["lease", name]` -> { holder, until }).
 */
import {
  DEFAULT_FLEET_SETTINGS,
  type FleetSettings,
  type FleetSettingsStore,
  type LeaseStore,
  type TransactionFlag,
  type TransactionFlagKind,
  type TransactionFlagStore,
  withDefaultSettings,
} from "../fleet.ts";
import type { StationChanges } from "../../model/changes.ts";
import { changeEntry, getMany, listAll, retryAtomic } from "./kv_helpers.ts";
import type { WriteSet } from "./write_set.ts";

const flagKey = (id: number, kind: TransactionFlagKind): Deno.KvKey => ["txflag", id, kind];
const byKindKey = (kind: TransactionFlagKind, id: number): Deno.KvKey => ["txflag_kind", kind, id];
const SETTINGS: Deno.KvKey = ["fleet_settings"];
const leaseKey = (name: string): Deno.KvKey => ["lease", name];

/**
 * A commit's flags (an operator's close writes its flag with the stop): one per transaction and kind, a newer
 * one replacing it; those cleared first.
 */
export function planTransactionFlags(changes: StationChanges, set: WriteSet): void {
  for (const flag of changes.transactionFlagsCleared ?? []) {
    set.delete(flagKey(flag.transactionId, flag.kind));
    set.delete(byKindKey(flag.kind, flag.transactionId));
  }
  for (const flag of changes.transactionFlags ?? []) {
    set.set(flagKey(flag.transactionId, flag.kind), flag);
    set.set(byKindKey(flag.kind, flag.transactionId), true);
  }
}

export class KvTransactionFlagStore implements TransactionFlagStore {
  constructor(private readonly kv: Deno.Kv) {}

  async addFlag(flag: TransactionFlag): Promise<boolean> {
    const k = flagKey(flag.transactionId, flag.kind);
    const res = await this.kv.atomic().check({ key: k, versionstamp: null }).set(k, flag)
      .set(byKindKey(flag.kind, flag.transactionId), true).commit();
    return res.ok;
  }

  async listFlags(
    query: { kind?: TransactionFlagKind; transactionId?: number; limit: number },
  ): Promise<TransactionFlag[]> {
    if (query.transactionId !== undefined) {
      const all = await listAll<TransactionFlag>(this.kv, { prefix: ["txflag", query.transactionId] });
      return all.map((e) => e.value).filter((f) => query.kind === undefined || f.kind === query.kind);
    }
    if (query.kind !== undefined) {
      const pointers = await listAll(this.kv, { prefix: ["txflag_kind", query.kind] }, {
        reverse: true,
        limit: query.limit,
      });
      const flags = await getMany<TransactionFlag>(
        this.kv,
        pointers.map((p) => flagKey(p.key[2] as number, query.kind!)),
      );
      return flags.flatMap((e) => (e.value ? [e.value] : []));
    }
    return (await listAll<TransactionFlag>(this.kv, { prefix: ["txflag"] }, {
      reverse: true,
      limit: query.limit,
    }))
      .map((e) => e.value);
  }

  async listActiveFlags(
    query: { kind: TransactionFlagKind; chargePointId?: string; limit: number; running?: readonly number[] },
  ): Promise<TransactionFlag[]> {
    // The open-transaction pointers (one a connector: `["tx_open", cp, connector]` -> id), unless the caller read
    // them, then their flags.
    const running = new Set(
      query.running ??
        (await listAll<number>(this.kv, {
          prefix: query.chargePointId !== undefined ? ["tx_open", query.chargePointId] : ["tx_open"],
        }, { batchSize: 1000 })).map((e) => e.value),
    );
    if (running.size === 0) return [];
    let oldest = Infinity;
    for (const id of running) oldest = Math.min(oldest, id);
    // The kind's pointers from the oldest running session on (one range read, however many sessions run): the
    // flags of sessions that ended before it are never read, and only the flags of running ones are fetched.
    const flagged = await listAll(this.kv, {
      prefix: ["txflag_kind", query.kind],
      start: byKindKey(query.kind, oldest),
    }, { batchSize: 1000 });
    const ids = flagged.map((p) => p.key[2] as number).filter((id) => running.has(id)).sort((a, b) => b - a);
    const out: TransactionFlag[] = [];
    for (let i = 0; i < ids.length && out.length < query.limit; i += 100) {
      const flags = await getMany<TransactionFlag>(
        this.kv,
        ids.slice(i, i + 100).map((id) => flagKey(id, query.kind)),
      );
      for (const e of flags) {
        const station = query.chargePointId === undefined || e.value?.chargePointId === query.chargePointId;
        if (e.value && station && out.length < query.limit) out.push(e.value);
      }
    }
    return out;
  }
}

export class KvFleetSettingsStore implements FleetSettingsStore {
  constructor(private readonly kv: Deno.Kv) {}

  async getSettings(): Promise<FleetSettings> {
    const stored = (await this.kv.get<FleetSettings>(SETTINGS)).value;
    return stored ? withDefaultSettings(stored) : structuredClone(DEFAULT_FLEET_SETTINGS);
  }

  async putSettings(settings: FleetSettings): Promise<void> {
    await this.kv.set(SETTINGS, settings);
  }

  async changeSettings(change: (current: FleetSettings) => FleetSettings): Promise<FleetSettings> {
    const { after } = await changeEntry<FleetSettings>(
      this.kv,
      SETTINGS,
      "change the fleet settings",
      (stored) => change(stored ? withDefaultSettings(stored) : structuredClone(DEFAULT_FLEET_SETTINGS)),
    );
    return after as FleetSettings; // `change` always answers settings
  }
}

interface Lease {
  holder: string;
  until: string;
}

export class KvLeaseStore implements LeaseStore {
  constructor(private readonly kv: Deno.Kv) {}

  acquireLease(name: string, holder: string, now: string, until: string): Promise<boolean> {
    return retryAtomic(`take lease "${name}"`, async () => {
      const entry = await this.kv.get<Lease>(leaseKey(name));
      const lease = entry.value;
      if (lease && lease.holder !== holder && lease.until > now) return false;
      const res = await this.kv.atomic().check(entry).set(leaseKey(name), { holder, until }).commit();
      return res.ok ? true : undefined;
    });
  }

  renewLease(name: string, holder: string, until: string): Promise<boolean> {
    return retryAtomic(`renew lease "${name}"`, async () => {
      const entry = await this.kv.get<Lease>(leaseKey(name));
      if (entry.value?.holder !== holder) return false;
      const res = await this.kv.atomic().check(entry).set(leaseKey(name), { holder, until }).commit();
      return res.ok ? true : undefined;
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    const entry = await this.kv.get<Lease>(leaseKey(name));
    if (entry.value?.holder !== holder) return;
    await this.kv.atomic().check(entry).delete(entry.key).commit();
  }
}

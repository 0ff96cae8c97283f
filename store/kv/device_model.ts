/** OCPP 2.0.1 device models on Deno KV: `["dm", cpId, deviceModelKey]` -> DeviceModelEntry, sorted by key. */
import type { StationChanges } from "../../model/changes.ts";
import { type DeviceModelEntry, deviceModelKey, withValue } from "../../model/device_model.ts";
import type { PageRequest } from "../mod.ts";
import type { WriteSet } from "./write_set.ts";

export class KvDeviceModel {
  /**
   * The largest count read per station: entries are never deleted, so it stays a lower bound, and a station
   * that keeps sending new variables past the bound is refused without reading its model each time.
   */
  readonly #counted = new Map<string, number>();

  constructor(private readonly kv: Deno.Kv) {}

  async listDeviceModel(chargePointId: string, page: PageRequest): Promise<DeviceModelEntry[]> {
    const prefix: Deno.KvKey = ["dm", chargePointId];
    const selector: Deno.KvListSelector = page.after === undefined
      ? { prefix }
      : { prefix, start: [...prefix, page.after, ""] };
    const out: DeviceModelEntry[] = [];
    if (page.limit <= 0) return out;
    for await (const entry of this.kv.list<DeviceModelEntry>(selector, { limit: page.limit + 1 })) {
      if (entry.key[2] === page.after) continue;
      out.push(entry.value);
      if (out.length >= page.limit) break;
    }
    return out;
  }

  async storedKeys(chargePointId: string, keys: readonly string[]): Promise<Set<string>> {
    // getMany reads at most 10 keys at a time.
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += 10) chunks.push(keys.slice(i, i + 10));
    const found = await Promise.all(
      chunks.map((chunk) => this.kv.getMany(chunk.map((key) => entryKey(chargePointId, key)))),
    );
    return new Set(found.flat().filter((e) => e.versionstamp !== null).map((e) => e.key[2] as string));
  }

  async entries(chargePointId: string, keys: readonly string[]): Promise<DeviceModelEntry[]> {
    const sorted = [...new Set(keys)].sort();
    const chunks: string[][] = [];
    for (let i = 0; i < sorted.length; i += 10) chunks.push(sorted.slice(i, i + 10));
    const found = await Promise.all(
      chunks.map((chunk) =>
        this.kv.getMany<DeviceModelEntry[]>(chunk.map((key) => entryKey(chargePointId, key)))
      ),
    );
    return found.flat().flatMap((e) => (e.versionstamp === null ? [] : [e.value]));
  }

  async count(chargePointId: string, atMost: number): Promise<number> {
    const known = this.#counted.get(chargePointId) ?? 0;
    if (known >= atMost) return known;
    let n = 0;
    // KV has no count: the entries are read (only for a report that adds some; `atMost` bounds the cost).
    for await (
      const _ of this.kv.list({ prefix: ["dm", chargePointId] }, { limit: atMost, batchSize: 500 })
    ) n++;
    this.#counted.set(chargePointId, Math.max(n, known));
    return n;
  }
}

const entryKey = (chargePointId: string, key: string): Deno.KvKey => ["dm", chargePointId, key];

/** The keys a commit of `changes` reads: the stored entries its told values change. */
export function deviceModelKeys(changes: StationChanges): Deno.KvKey[] {
  return (changes.deviceModelValues ?? []).map((v) => entryKey(v.chargePointId, deviceModelKey(v)));
}

/**
 * A report's entries replace the stored ones of their keys (idempotent: a replayed report writes the same);
 * a told value changes the entry this commit writes, else the stored one (checked: read-modify-write), and is
 * dropped when there is none. Each changed entry is a unit with its own check: a GetVariables of hundreds of
 * variables holds more checks than one atomic may (100), and units are what an oversize write set spreads
 * over several atomics (a unit committed before a failed rest is harmless: planned again, it writes the same).
 */
export function planDeviceModel(
  changes: StationChanges,
  read: (key: Deno.KvKey) => Deno.KvEntryMaybe<unknown>,
  set: WriteSet,
): void {
  const reported = new Map<string, DeviceModelEntry>();
  for (const entry of changes.deviceModel ?? []) reported.set(deviceModelKey(entry), entry);
  const changed = new Map<string, { entry: DeviceModelEntry; checks: Deno.AtomicCheck[] }>();
  for (const told of changes.deviceModelValues ?? []) {
    const key = deviceModelKey(told);
    const before = changed.get(key);
    let base = before?.entry ?? reported.get(key);
    const checks = before?.checks ?? [];
    if (base === undefined) {
      const stored = read(entryKey(told.chargePointId, key)) as Deno.KvEntryMaybe<DeviceModelEntry>;
      if (stored.value === null) continue;
      checks.push(stored);
      base = stored.value;
    }
    changed.set(key, { entry: withValue(base, told), checks });
  }
  for (const [key, entry] of reported) {
    if (!changed.has(key)) set.set(entryKey(entry.chargePointId, key), entry, { idempotent: true });
  }
  for (const [key, { entry, checks }] of changed) {
    set.unit(checks, [[entryKey(entry.chargePointId, key), entry]], 0);
  }
}

/**
 * The StationSecurityStore on Deno KV: one key per station, `["station_security", id]`.
 *
 * @example
 * ```ts ignore
 * const store = await openKvStationSecurityStore(":memory:");
 * await store.get("CP-1"); // null
 * await store.close();
 * ```
 */
import { openKvHandle } from "./kv.ts";
import type { StationSecurityRecord, StationSecurityStore } from "./station_security_store.ts";

const PREFIX = "station_security";

/** Opens the store on a KV handle of its own (tests); the server shares one handle (store/open.ts). */
export async function openKvStationSecurityStore(path?: string): Promise<KvStationSecurityStore> {
  return new KvStationSecurityStore(await openKvHandle(path));
}

export class KvStationSecurityStore implements StationSecurityStore {
  readonly #kv: Deno.Kv;
  #closed = false;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async get(chargePointId: string): Promise<StationSecurityRecord | null> {
    return (await this.#kv.get<StationSecurityRecord>([PREFIX, chargePointId])).value;
  }

  async put(record: StationSecurityRecord): Promise<void> {
    await this.#kv.set([PREFIX, record.chargePointId], record);
  }

  async delete(chargePointId: string): Promise<boolean> {
    for (;;) {
      const entry = await this.#kv.get([PREFIX, chargePointId]);
      if (entry.versionstamp === null) return false;
      const res = await this.#kv.atomic().check(entry).delete(entry.key).commit();
      if (res.ok) return true;
    }
  }

  async list(options: { limit?: number; after?: string } = {}): Promise<StationSecurityRecord[]> {
    const limit = options.limit ?? 1000;
    const selector: Deno.KvListSelector = options.after === undefined
      ? { prefix: [PREFIX] }
      : { prefix: [PREFIX], start: [PREFIX, options.after + "\0"] };
    const out: StationSecurityRecord[] = [];
    // KV orders strings by their UTF-8 bytes, which is code point order.
    for await (const entry of this.#kv.list<StationSecurityRecord>(selector, { limit })) {
      out.push(entry.value);
    }
    return out;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#kv.close();
    }
    return Promise.resolve();
  }
}

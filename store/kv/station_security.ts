/**
 * The StationSecurityStore on Deno KV: one key per station, `["station_security", id]`, and the security event
 * log on the same handle (`security_events.ts`).
 *
 * @example
 * ```ts ignore
 * const store = await openKvStationSecurityStore(":memory:");
 * await store.get("CP-1"); // null
 * await store.close();
 * ```
 */
import { openKvHandle } from "./handle.ts";
import { KvSecurityEvents } from "./security_events.ts";
import type {
  SecurityEvent,
  SecurityEventAppend,
  SecurityEventOfMessage,
  SecurityEventQuery,
  SecurityEventRetention,
} from "../security_events.ts";
import type { StationSecurityRecord, StationSecurityStore } from "../station_security.ts";
import { sharedReads } from "./reads.ts";
import { changeEntry } from "./kv_helpers.ts";
import type { Changed } from "../mod.ts";

const PREFIX = "station_security";

/** Opens the store on a KV handle of its own (tests); the server shares one handle (store/open.ts). */
export async function openKvStationSecurityStore(
  path?: string,
  retention: SecurityEventRetention = {},
): Promise<KvStationSecurityStore> {
  return new KvStationSecurityStore(await openKvHandle(path), retention);
}

export class KvStationSecurityStore implements StationSecurityStore {
  readonly #kv: Deno.Kv;
  readonly #events: KvSecurityEvents;
  #closed = false;

  constructor(kv: Deno.Kv, retention: SecurityEventRetention = {}) {
    this.#kv = kv;
    this.#events = new KvSecurityEvents(kv, retention);
  }

  async get(chargePointId: string): Promise<StationSecurityRecord | null> {
    return (await sharedReads(this.#kv).get<StationSecurityRecord>([PREFIX, chargePointId])).value;
  }

  async put(record: StationSecurityRecord): Promise<void> {
    await this.#kv.set([PREFIX, record.chargePointId], record);
  }

  change(
    chargePointId: string,
    change: (stored: StationSecurityRecord | null) => StationSecurityRecord | null | undefined,
  ): Promise<Changed<StationSecurityRecord>> {
    return changeEntry(
      this.#kv,
      [PREFIX, chargePointId],
      `change the security of "${chargePointId}"`,
      change,
    );
  }

  async delete(chargePointId: string): Promise<boolean> {
    const { before } = await this.change(chargePointId, (stored) => stored === null ? undefined : null);
    return before !== null;
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

  appendSecurityEvents(events: readonly SecurityEvent[]): Promise<SecurityEventAppend> {
    return this.#events.appendSecurityEvents(events);
  }

  hasSecurityEventOf(message: SecurityEventOfMessage): Promise<boolean> {
    return this.#events.hasSecurityEventOf(message);
  }

  listSecurityEvents(query: SecurityEventQuery): Promise<SecurityEvent[]> {
    return this.#events.listSecurityEvents(query);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#kv.close();
    }
    return Promise.resolve();
  }
}

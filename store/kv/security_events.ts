/**
 * The security event log on Deno KV: `["security_event", id]` with two pointer indexes written in the same
 * atomic, `["security_event_by_kind", kind, id]` and `["security_event_by_cp", chargePointId, id]`, plus two
 * counters (`["security_event_meta", "appended" | "pruned"]`) whose difference is the number kept, so the size
 * bound costs two reads rather than a scan. It shares the StationSecurityStore's handle.
 */
import {
  DEFAULT_RETENTION,
  matchesSecurityEventQuery,
  type SecurityEvent,
  type SecurityEventQuery,
  type SecurityEventRetention,
  type SecurityEventStore,
} from "../security_events.ts";

const EVENT = "security_event";
const BY_KIND = "security_event_by_kind";
const BY_CP = "security_event_by_cp";
const APPENDED = ["security_event_meta", "appended"];
const PRUNED = ["security_event_meta", "pruned"];
/** Events per atomic: KV allows 100 checks, and each event is three keys. */
const BATCH = 50;

export class KvSecurityEvents implements SecurityEventStore {
  readonly #kv: Deno.Kv;
  readonly #retention: Required<SecurityEventRetention>;
  /** Appends since the last prune; starts full so the first append after opening prunes. */
  #sincePrune: number;

  constructor(kv: Deno.Kv, retention: SecurityEventRetention = {}) {
    this.#kv = kv;
    this.#retention = { ...DEFAULT_RETENTION, ...retention };
    this.#sincePrune = this.#retention.pruneEvery;
  }

  async appendSecurityEvents(events: readonly SecurityEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      let batch = events.slice(i, i + BATCH);
      for (;;) {
        const op = this.#kv.atomic();
        for (const e of batch) {
          op.check({ key: [EVENT, e.id], versionstamp: null }).set([EVENT, e.id], e).set([
            BY_KIND,
            e.kind,
            e.id,
          ], true);
          if (e.chargePointId !== null) op.set([BY_CP, e.chargePointId, e.id], true);
        }
        op.sum(APPENDED, BigInt(batch.length));
        if ((await op.commit()).ok) break;
        // Some were stored already (a retried batch): write only the others.
        const stored = await this.#kv.getMany(batch.map((e) => [EVENT, e.id]));
        batch = batch.filter((_, j) => stored[j]?.versionstamp === null);
        if (batch.length === 0) break;
      }
    }
    this.#sincePrune += events.length;
    const newest = events.reduce<string | null>((max, e) => (max === null || e.at > max ? e.at : max), null);
    if (newest !== null && this.#sincePrune >= this.#retention.pruneEvery) {
      this.#sincePrune = 0;
      await this.#prune(newest);
    }
  }

  async listSecurityEvents(query: SecurityEventQuery): Promise<SecurityEvent[]> {
    // One filter reads through its index; both read the station's index (the smaller set) and check the kind.
    const filter = { ...query, limit: undefined };
    const out: SecurityEvent[] = [];
    if (query.chargePointId === undefined && query.kind === undefined) {
      const selector = rangeOf([EVENT], query);
      for await (
        const entry of this.#kv.list<SecurityEvent>(selector, { reverse: true, limit: query.limit })
      ) {
        out.push(entry.value);
      }
      return out;
    }
    const index = query.chargePointId !== undefined ? [BY_CP, query.chargePointId] : [BY_KIND, query.kind!];
    const selector = rangeOf(index, query);
    let ids: string[] = [];
    const take = async () => {
      const values = await this.#kv.getMany<SecurityEvent[]>(ids.map((id) => [EVENT, id]));
      for (const v of values) {
        // A pointer whose event was pruned meanwhile is skipped.
        if (v.value !== null && matchesSecurityEventQuery(v.value, filter) && out.length < query.limit) {
          out.push(v.value);
        }
      }
      ids = [];
    };
    for await (const entry of this.#kv.list(selector, { reverse: true, batchSize: 100 })) {
      ids.push(entry.key[entry.key.length - 1] as string);
      if (ids.length === 10) await take(); // getMany reads at most 10 keys
      if (out.length >= query.limit) break;
    }
    if (ids.length > 0 && out.length < query.limit) await take();
    return out;
  }

  /**
   * Deletes, oldest first, the events older than `maxAgeMs` before `newestAt` and those beyond `maxEvents`.
   * Each batch checks its entries, so two processes pruning at once do not count a deletion twice; the one
   * that loses stops and leaves the rest to the next prune.
   */
  async #prune(newestAt: string): Promise<void> {
    const cutoff = new Date(Date.parse(newestAt) - this.#retention.maxAgeMs).toISOString();
    const [appended, pruned] = await this.#kv.getMany<[Deno.KvU64, Deno.KvU64]>([APPENDED, PRUNED]);
    let excess = Number((appended.value?.value ?? 0n) - (pruned.value?.value ?? 0n)) -
      this.#retention.maxEvents;
    for (;;) {
      const batch: Deno.KvEntry<SecurityEvent>[] = [];
      for await (const entry of this.#kv.list<SecurityEvent>({ prefix: [EVENT] }, { limit: BATCH })) {
        // Ids start with the ISO time, so comparing with the cutoff's ISO text compares times.
        if (excess - batch.length <= 0 && (entry.key[1] as string) >= cutoff) break;
        batch.push(entry);
      }
      if (batch.length === 0) return;
      const op = this.#kv.atomic();
      for (const entry of batch) {
        const e = entry.value;
        op.check(entry).delete(entry.key).delete([BY_KIND, e.kind, e.id]);
        if (e.chargePointId !== null) op.delete([BY_CP, e.chargePointId, e.id]);
      }
      op.sum(PRUNED, BigInt(batch.length));
      if (!(await op.commit()).ok) return;
      excess -= batch.length;
    }
  }
}

/** The keys under `prefix` (each ending with an event's id, which begins with its time) the query may match. */
function rangeOf(
  prefix: Deno.KvKey,
  query: Pick<SecurityEventQuery, "since" | "before">,
): Deno.KvListSelector {
  const start = query.since === undefined ? undefined : [...prefix, query.since];
  const end = query.before === undefined ? undefined : [...prefix, query.before];
  if (start && end) return { start, end };
  if (start) return { prefix, start };
  if (end) return { prefix, end };
  return { prefix };
}

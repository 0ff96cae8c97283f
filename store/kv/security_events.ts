/**
 * The security event log on Deno KV: `["security_event", id]` with two pointer indexes written in the same
 * atomic, `["security_event_by_kind", kind, id]` and `["security_event_by_cp", chargePointId, id]`, plus two
 * counters (`["security_event_meta", "appended" | "pruned"]`) whose difference is the number kept, so the size
 * bound costs two reads rather than a scan. It shares the StationSecurityStore's handle.
 *
 * An event of a station's CALL (with a `messageId`) also takes `["security_event_by_message", chargePointId,
 * messageId, kind, SHA-256 of its reason]` (the event's id), checked empty in the atomic that stores it: the
 * same CALL sent again, by any process on the handle, after any restart, is refused by that atomic. The key
 * goes with its event when it is pruned.
 */
import {
  DEFAULT_RETENTION,
  matchesSecurityEventQuery,
  type SecurityEvent,
  type SecurityEventAppend,
  type SecurityEventOfMessage,
  type SecurityEventQuery,
  type SecurityEventRetention,
  type SecurityEventStore,
} from "../security_events.ts";

const EVENT = "security_event";
const BY_KIND = "security_event_by_kind";
const BY_CP = "security_event_by_cp";
const BY_MESSAGE = "security_event_by_message";
const APPENDED = ["security_event_meta", "appended"];
const PRUNED = ["security_event_meta", "pruned"];
/** Events per atomic: KV allows 100 checks, and an event of a CALL takes two (its id, its message key). */
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

  async appendSecurityEvents(events: readonly SecurityEvent[]): Promise<SecurityEventAppend> {
    const refused: string[] = [];
    for (let i = 0; i < events.length; i += BATCH) {
      let batch: Keyed[] = await Promise.all(
        events.slice(i, i + BATCH).map(async (e) => ({ e, key: await messageKeyOf(e) })),
      );
      // The same CALL's event twice in one batch (a retransmission queued behind a failed write): the first.
      const seen = new Set<string>();
      batch = batch.filter(({ e, key }) => {
        if (key === null) return true;
        const text = textOf(key);
        if (seen.has(text)) {
          refused.push(e.id);
          return false;
        }
        seen.add(text);
        return true;
      });
      for (;;) {
        if (batch.length === 0) break;
        const op = this.#kv.atomic();
        for (const { e, key } of batch) {
          op.check({ key: [EVENT, e.id], versionstamp: null }).set([EVENT, e.id], e).set([
            BY_KIND,
            e.kind,
            e.id,
          ], true);
          if (e.chargePointId !== null) op.set([BY_CP, e.chargePointId, e.id], true);
          if (key !== null) op.check({ key, versionstamp: null }).set(key, e.id);
        }
        op.sum(APPENDED, BigInt(batch.length));
        if ((await op.commit()).ok) break;
        // Some were stored already (a retried batch): write only the others. Some were an event of a CALL
        // stored already under another id: refused.
        const stored = await this.#getMany(batch.map(({ e }) => [EVENT, e.id]));
        const keys = batch.filter(({ key }) => key !== null).map(({ key }) => key!);
        const taken = await this.#getMany<string>(keys);
        const holder = new Map(keys.map((key, j) => [textOf(key), taken[j]]));
        batch = batch.filter(({ e, key }, j) => {
          if (stored[j]?.versionstamp !== null) return false;
          if (key === null) return true;
          if ((holder.get(textOf(key))?.versionstamp ?? null) === null) return true;
          refused.push(e.id);
          return false;
        });
      }
    }
    this.#sincePrune += events.length;
    const newest = events.reduce<string | null>((max, e) => (max === null || e.at > max ? e.at : max), null);
    if (newest !== null && this.#sincePrune >= this.#retention.pruneEvery) {
      this.#sincePrune = 0;
      await this.#prune(newest);
    }
    return { refused };
  }

  async hasSecurityEventOf(message: SecurityEventOfMessage): Promise<boolean> {
    return (await this.#kv.get(await messageKey(message))).versionstamp !== null;
  }

  /** `kv.getMany` for any number of keys (it reads at most 10 at a time). */
  async #getMany<T>(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> {
    const out: Deno.KvEntryMaybe<T>[] = [];
    for (let i = 0; i < keys.length; i += 10) out.push(...await this.#kv.getMany<T[]>(keys.slice(i, i + 10)));
    return out;
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
        const key = await messageKeyOf(e);
        if (key !== null) op.delete(key);
      }
      op.sum(PRUNED, BigInt(batch.length));
      if (!(await op.commit()).ok) return;
      excess -= batch.length;
    }
  }
}

interface Keyed {
  e: SecurityEvent;
  /** Its message key; null for an event no CALL of a station caused. */
  key: Deno.KvKey | null;
}

/** The key that holds the event of a station's CALL: a digest of the reason, which may be long. */
async function messageKey(m: SecurityEventOfMessage): Promise<Deno.KvKey> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(m.reason));
  return [BY_MESSAGE, m.chargePointId, m.messageId, m.kind, new Uint8Array(digest)];
}

function messageKeyOf(e: SecurityEvent): Promise<Deno.KvKey | null> | null {
  if (e.messageId === undefined || e.chargePointId === null) return null;
  return messageKey({
    chargePointId: e.chargePointId,
    messageId: e.messageId,
    kind: e.kind,
    reason: e.reason,
  });
}

/** A message key as a Map's or Set's key. */
function textOf(key: Deno.KvKey): string {
  const digest = Array.from(key[4] as Uint8Array, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${JSON.stringify(key.slice(1, 4))}${digest}`;
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

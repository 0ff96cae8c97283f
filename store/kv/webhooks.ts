/**
 * The WebhookStore on Deno KV.
 *
 * Layout: `["wh_sub", id]` WebhookSubscription; `["wh_del", id]` WebhookDelivery, `["wh_del_sub", subId, id]`
 * -> true, and `["wh_due", nextAttemptAt, id]` -> true while it is pending. A claim moves the due pointer to
 * the claim's end in the same atomic as the delivery, so a delivery whose worker died is due again then, and
 * two workers never hold it at once.
 */
import type {
  DeliveryAttempt,
  DeliveryState,
  WebhookDelivery,
  WebhookStore,
  WebhookSubscription,
} from "../fleet.ts";
import { ATOMIC_MUTATIONS, getMany, listAll, retryAtomic } from "./kv_helpers.ts";

const subKey = (id: string): Deno.KvKey => ["wh_sub", id];
const deliveryKey = (id: string): Deno.KvKey => ["wh_del", id];
const bySubKey = (subId: string, id: string): Deno.KvKey => ["wh_del_sub", subId, id];
/** Its value is the delivery's subscription id (`true` in pointers written before claims could skip). */
const dueKey = (at: string, id: string): Deno.KvKey => ["wh_due", at, id];
/** Due pointers of skipped subscriptions a claim looks past, on top of the ones it considers. */
const SKIPPED_SCAN_LIMIT = 2000;

/** How many entries a filtered listing reads at most to fill one page. */
const SCAN_LIMIT = 5000;

export class KvWebhookStore implements WebhookStore {
  constructor(private readonly kv: Deno.Kv) {}

  async putSubscription(subscription: WebhookSubscription): Promise<void> {
    await this.kv.set(subKey(subscription.id), subscription);
  }

  async getSubscription(id: string): Promise<WebhookSubscription | null> {
    return (await this.kv.get<WebhookSubscription>(subKey(id))).value;
  }

  async listSubscriptions(): Promise<WebhookSubscription[]> {
    const all = await listAll<WebhookSubscription>(this.kv, { prefix: ["wh_sub"] });
    return all.map((e) => e.value).sort((a, b) =>
      a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)
    );
  }

  async deleteSubscription(id: string): Promise<boolean> {
    const entry = await this.kv.get(subKey(id));
    if (entry.versionstamp === null) return false;
    return (await this.kv.atomic().check(entry).delete(entry.key).commit()).ok;
  }

  async enqueueDeliveries(deliveries: readonly WebhookDelivery[]): Promise<void> {
    const perAtomic = Math.floor(ATOMIC_MUTATIONS / 3);
    for (let i = 0; i < deliveries.length; i += perAtomic) {
      const op = this.kv.atomic();
      for (const d of deliveries.slice(i, i + perAtomic)) {
        op.check({ key: deliveryKey(d.id), versionstamp: null }).set(deliveryKey(d.id), d)
          .set(bySubKey(d.subscriptionId, d.id), true);
        if (d.state === "pending") op.set(dueKey(d.nextAttemptAt, d.id), d.subscriptionId);
      }
      if (!(await op.commit()).ok) throw new Error("Cannot enqueue webhook deliveries: an id is taken");
    }
  }

  async claimDeliveries(
    holder: string,
    now: string,
    until: string,
    max: number,
    skip: readonly string[] = [],
  ): Promise<WebhookDelivery[]> {
    const claimed: WebhookDelivery[] = [];
    const skipped = new Set(skip);
    let considered = 0;
    // Past the ones other workers take meanwhile, and a skipped subscription's backlog, up to a bound.
    const due = this.kv.list<string | true>({ prefix: ["wh_due"], end: ["wh_due", now + "\0"] }, {
      limit: max * 20 + SKIPPED_SCAN_LIMIT,
      batchSize: 100,
    });
    for await (const pointer of due) {
      if (claimed.length >= max || considered >= max * 20) break;
      if (typeof pointer.value === "string" && skipped.has(pointer.value)) continue;
      considered++;
      const id = pointer.key[2] as string;
      const entry = await this.kv.get<WebhookDelivery>(deliveryKey(id));
      const d = entry.value;
      if (!d || d.state !== "pending") {
        await this.kv.atomic().check(pointer).delete(pointer.key).commit();
        continue;
      }
      if (skipped.has(d.subscriptionId)) continue;
      const next: WebhookDelivery = { ...d, claimedBy: holder, nextAttemptAt: until };
      const res = await this.kv.atomic().check(pointer).check(entry).delete(pointer.key)
        .set(dueKey(until, id), d.subscriptionId).set(entry.key, next).commit();
      // Lost to another worker: it is theirs.
      if (res.ok) claimed.push(next);
    }
    return claimed;
  }

  recordAttempt(
    id: string,
    holder: string,
    update: { state: DeliveryState; nextAttemptAt: string; attempt: DeliveryAttempt; maxLog: number },
  ): Promise<boolean> {
    return retryAtomic("record a webhook attempt", async () => {
      const entry = await this.kv.get<WebhookDelivery>(deliveryKey(id));
      const d = entry.value;
      if (!d || d.state !== "pending" || d.claimedBy !== holder) return false;
      const next: WebhookDelivery = {
        ...d,
        state: update.state,
        attempts: d.attempts + 1,
        nextAttemptAt: update.nextAttemptAt,
        claimedBy: null,
        finishedAt: update.state === "pending" ? null : update.attempt.at,
        log: [...d.log, update.attempt].slice(-update.maxLog),
      };
      const op = this.kv.atomic().check(entry).set(entry.key, next).delete(dueKey(d.nextAttemptAt, id));
      if (next.state === "pending") op.set(dueKey(next.nextAttemptAt, id), d.subscriptionId);
      return (await op.commit()).ok ? true : undefined;
    });
  }

  async getDelivery(id: string): Promise<WebhookDelivery | null> {
    return (await this.kv.get<WebhookDelivery>(deliveryKey(id))).value;
  }

  async listDeliveries(
    query: { subscriptionId?: string; state?: DeliveryState; before?: string; limit: number },
  ): Promise<WebhookDelivery[]> {
    const out: WebhookDelivery[] = [];
    const keep = (d: WebhookDelivery | null) => {
      if (d && (query.state === undefined || d.state === query.state) && out.length < query.limit) {
        out.push(d);
      }
    };
    if (query.subscriptionId === undefined) {
      const selector: Deno.KvListSelector = query.before === undefined
        ? { prefix: ["wh_del"] }
        : { prefix: ["wh_del"], end: deliveryKey(query.before) };
      for await (
        const e of this.kv.list<WebhookDelivery>(selector, {
          reverse: true,
          limit: SCAN_LIMIT,
          batchSize: 200,
        })
      ) {
        keep(e.value);
        if (out.length >= query.limit) break;
      }
      return out;
    }
    const prefix = ["wh_del_sub", query.subscriptionId];
    const selector: Deno.KvListSelector = query.before === undefined
      ? { prefix }
      : { prefix, end: [...prefix, query.before] };
    let ids: string[] = [];
    const take = async () => {
      for (const e of await getMany<WebhookDelivery>(this.kv, ids.map(deliveryKey))) keep(e.value);
      ids = [];
    };
    for await (const e of this.kv.list(selector, { reverse: true, limit: SCAN_LIMIT, batchSize: 200 })) {
      ids.push(e.key[2] as string);
      if (ids.length >= 10) await take();
      if (out.length >= query.limit) break;
    }
    if (ids.length > 0) await take();
    return out;
  }

  async pruneDeliveries(before: string, max: number): Promise<number> {
    // Ids start with their creation time, so the listing stops at the first one created after `before`.
    const old = await listAll<WebhookDelivery>(this.kv, { prefix: ["wh_del"], end: ["wh_del", before] }, {
      limit: max,
    });
    let pruned = 0;
    for (const e of old) {
      if (e.value.state === "pending") continue;
      const res = await this.kv.atomic().check(e).delete(e.key).delete(
        bySubKey(e.value.subscriptionId, e.value.id),
      )
        .commit();
      if (res.ok) pruned++;
    }
    return pruned;
  }
}

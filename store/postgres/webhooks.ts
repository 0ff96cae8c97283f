/**
 * The WebhookStore on PostgreSQL (`webhook_subscription`, `webhook_delivery`, migration 008). A claim takes due
 * rows with `for update skip locked` and moves their `next_attempt_at` to the claim's end, so workers in
 * several processes never hold the same delivery, and one whose worker died is due again when the claim ends.
 */
import type { Sql } from "postgres";
import type {
  DeliveryAttempt,
  DeliveryState,
  WebhookDelivery,
  WebhookStore,
  WebhookSubscription,
} from "../fleet.ts";
import { iso, jsonb } from "./pg_helpers.ts";

interface SubscriptionRow {
  id: string;
  url: string;
  events: string[];
  secret: string;
  enabled: boolean;
  description: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_type: string;
  payload: unknown;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: Date;
  claimed_by: string | null;
  created_at: Date;
  finished_at: Date | null;
  log: DeliveryAttempt[];
}

function toSubscription(r: SubscriptionRow): WebhookSubscription {
  return {
    id: r.id,
    url: r.url,
    events: r.events,
    secret: r.secret,
    enabled: r.enabled,
    description: r.description,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    eventType: r.event_type,
    payload: r.payload,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: iso(r.next_attempt_at),
    claimedBy: r.claimed_by,
    createdAt: iso(r.created_at),
    finishedAt: iso(r.finished_at),
    log: r.log,
  };
}

export class PostgresWebhookStore implements WebhookStore {
  constructor(private readonly sql: Sql) {}

  async putSubscription(s: WebhookSubscription): Promise<void> {
    await this.sql`
      insert into webhook_subscription (id, url, events, secret, enabled, description, created_by, created_at,
        updated_at)
      values (${s.id}, ${s.url}, ${this.sql.array(s.events)}, ${s.secret}, ${s.enabled}, ${s.description},
        ${s.createdBy}, ${s.createdAt}, ${s.updatedAt})
      on conflict (id) do update set url = excluded.url, events = excluded.events, secret = excluded.secret,
        enabled = excluded.enabled, description = excluded.description, updated_at = excluded.updated_at`;
  }

  async getSubscription(id: string): Promise<WebhookSubscription | null> {
    const rows = await this.sql<SubscriptionRow[]>`select * from webhook_subscription where id = ${id}`;
    return rows[0] ? toSubscription(rows[0]) : null;
  }

  async listSubscriptions(): Promise<WebhookSubscription[]> {
    const rows = await this.sql<
      SubscriptionRow[]
    >`select * from webhook_subscription order by created_at, id`;
    return rows.map(toSubscription);
  }

  async deleteSubscription(id: string): Promise<boolean> {
    return (await this.sql`delete from webhook_subscription where id = ${id} returning id`).length > 0;
  }

  async enqueueDeliveries(deliveries: readonly WebhookDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const sql = this.sql;
    await sql.begin(async (tx) => {
      for (const d of deliveries) {
        await tx`
          insert into webhook_delivery (id, subscription_id, event_type, payload, state, attempts, next_attempt_at,
            claimed_by, created_at, finished_at, log)
          values (${d.id}, ${d.subscriptionId}, ${d.eventType}, ${
          jsonb(tx, d.payload)
        }, ${d.state}, ${d.attempts},
            ${d.nextAttemptAt}, ${d.claimedBy}, ${d.createdAt}, ${d.finishedAt}, ${tx.json(d.log as never)})`;
      }
    });
  }

  async claimDeliveries(
    holder: string,
    now: string,
    until: string,
    max: number,
    skip: readonly string[] = [],
  ): Promise<WebhookDelivery[]> {
    const sql = this.sql;
    // Picked once, in a materialized CTE: a limited subquery under `in (...)` may be run again by the plan
    // (the rows this update already claimed no longer due, the next ones taken) and claim more than `max`.
    const rows = await sql<DeliveryRow[]>`
      with picked as materialized (
        select id from webhook_delivery where state = 'pending' and next_attempt_at <= ${now}
          ${skip.length > 0 ? sql`and subscription_id <> all(${sql.array(skip as string[])}::text[])` : sql``}
        order by next_attempt_at limit ${max} for update skip locked
      )
      update webhook_delivery d set claimed_by = ${holder}, next_attempt_at = ${until}
      from picked where d.id = picked.id
      returning d.*`;
    return rows.map(toDelivery);
  }

  async recordAttempt(
    id: string,
    holder: string,
    update: { state: DeliveryState; nextAttemptAt: string; attempt: DeliveryAttempt; maxLog: number },
  ): Promise<boolean> {
    const sql = this.sql;
    const rows = await sql`
      update webhook_delivery set state = ${update.state}, attempts = attempts + 1,
        next_attempt_at = ${update.nextAttemptAt}, claimed_by = null,
        finished_at = ${update.state === "pending" ? null : update.attempt.at},
        log = (select coalesce(jsonb_agg(e order by n), '[]'::jsonb) from (
          select e, n from jsonb_array_elements(log || ${
      sql.json([update.attempt] as never)
    }) with ordinality as a(e, n)
          order by n desc limit ${update.maxLog}) last)
      where id = ${id} and state = 'pending' and claimed_by = ${holder}
      returning id`;
    return rows.length > 0;
  }

  async getDelivery(id: string): Promise<WebhookDelivery | null> {
    const rows = await this.sql<DeliveryRow[]>`select * from webhook_delivery where id = ${id}`;
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async listDeliveries(
    query: { subscriptionId?: string; state?: DeliveryState; before?: string; limit: number },
  ): Promise<WebhookDelivery[]> {
    const sql = this.sql;
    const rows = await sql<DeliveryRow[]>`
      select * from webhook_delivery where true
        ${query.subscriptionId !== undefined ? sql`and subscription_id = ${query.subscriptionId}` : sql``}
        ${query.state !== undefined ? sql`and state = ${query.state}` : sql``}
        ${query.before !== undefined ? sql`and id < ${query.before}` : sql``}
      order by id desc limit ${query.limit}`;
    return rows.map(toDelivery);
  }

  async pruneDeliveries(before: string, max: number): Promise<number> {
    const rows = await this.sql`
      delete from webhook_delivery where id in (
        select id from webhook_delivery where created_at < ${before} and state <> 'pending' limit ${max})
      returning id`;
    return rows.length;
  }
}

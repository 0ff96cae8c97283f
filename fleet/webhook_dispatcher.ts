/**
 * Webhook deliveries: `emit()` stores one delivery per enabled subscription that wants the event (the store is
 * the queue, shared by every process), and `tick()` claims due deliveries and posts them: JSON, signed
 * (webhook_signature.ts), to addresses the URL policy allows (checked again before every attempt), no
 * redirects. A 2xx answer delivers; anything else is retried with exponential back-off until
 * `maxAttempts`, then the delivery is failed. Every attempt is in the delivery's log.
 *
 * Delivery is at least once: a worker that dies after posting and before recording leaves the delivery to be
 * posted again when its claim runs out. Receivers drop duplicates by `X-CSMS-Delivery` (or the event's `id`).
 *
 * Subscribers are isolated: a tick starts its attempts and returns without waiting for them, and a
 * subscription with `perSubscription` attempts in flight here gets no more claimed until one ends, so a
 * receiver that hangs until the timeout holds a few of this process's slots, never the others' deliveries.
 *
 * A stopping server that cannot wait for a receiver any longer cuts its attempts short (`drain(deadline)`):
 * each is recorded as a failed attempt, so the delivery stays queued and is posted again (by another process,
 * or this one once it runs again).
 */
import type { Logger } from "../logger.ts";
import type { DeliveryAttempt, WebhookDelivery, WebhookStore, WebhookSubscription } from "../store/fleet.ts";
import { retryDelayMs } from "./backoff.ts";
import type { WebhookEvent } from "./webhook_events.ts";
import { signWebhook } from "./webhook_signature.ts";
import type { WebhookPost } from "./webhook_transport.ts";
import type { Resolve, WebhookUrlPolicy } from "./webhook_url_policy.ts";

export interface WebhookSettings {
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Attempts in flight at once in this process, every subscription's together. */
  concurrency: number;
  /**
   * A subscription with this many attempts in flight here gets no more claimed. One claim takes at most this
   * many, so a subscription never has more than twice as many, less one, in flight.
   */
  perSubscription: number;
  /** How long this process trusts its copy of the subscriptions (changes made here apply at once). */
  subscriptionCacheMs: number;
}

export interface WebhookDispatcherDeps {
  webhooks: WebhookStore;
  policy: WebhookUrlPolicy;
  resolve: Resolve;
  post: WebhookPost;
  now: () => Date;
  newId: (now: Date) => string;
  holder: string;
  logger: Logger;
  settings: WebhookSettings;
  /** A delivery was queued: run a tick soon. */
  poke?: () => void;
}

/** Attempts kept in a delivery's log. */
const MAX_LOG = 20;

export class WebhookDispatcher {
  #subscriptions: { at: number; list: WebhookSubscription[] } | null = null;
  /** The listing under way, shared by every event that finds the cache expired meanwhile (single flight). */
  #loading: Promise<WebhookSubscription[]> | null = null;
  /** Bumped by `invalidate`: a listing started before a change neither fills the cache nor is shared on. */
  #generation = 0;
  /** Attempts in flight in this process, and how many of them each subscription has. */
  #running = new Set<Promise<void>>();
  #inFlight = new Map<string, number>();
  /** Aborted by `drain` at its deadline: every attempt in flight ends at once. */
  #cut = new AbortController();
  #cutAttempts = 0;

  constructor(private readonly deps: WebhookDispatcherDeps) {}

  /** Forget the cached subscriptions (one was created, changed or deleted). */
  invalidate(): void {
    this.#subscriptions = null;
    this.#loading = null;
    this.#generation++;
  }

  /** Queues the event for every enabled subscription that wants it; returns how many deliveries. */
  async emit(event: WebhookEvent): Promise<number> {
    const subscriptions = (await this.#subscriptionsNow()).filter((s) =>
      s.enabled && s.events.includes(event.type)
    );
    if (subscriptions.length === 0) return 0;
    const now = this.deps.now();
    const deliveries: WebhookDelivery[] = subscriptions.map((s) => ({
      id: this.deps.newId(now),
      subscriptionId: s.id,
      eventType: event.type,
      payload: { id: event.id, type: event.type, at: event.at, data: event.data },
      state: "pending",
      attempts: 0,
      nextAttemptAt: now.toISOString(),
      claimedBy: null,
      createdAt: now.toISOString(),
      finishedAt: null,
      log: [],
    }));
    await this.deps.webhooks.enqueueDeliveries(deliveries);
    this.deps.poke?.();
    return deliveries.length;
  }

  /**
   * Claims due deliveries while there is room and starts posting them; resolves once they are started (`drain`
   * waits for them). An attempt that ends makes room: it pokes for another tick.
   */
  async tick(): Promise<void> {
    const { concurrency, perSubscription, timeoutMs } = this.deps.settings;
    let started = 0;
    while (started < concurrency) {
      const room = Math.min(perSubscription, concurrency - this.#running.size);
      if (room <= 0) return;
      const now = this.deps.now();
      // The claim outlasts the slowest attempt, so nobody else posts it meanwhile.
      const until = new Date(now.getTime() + timeoutMs * 2 + 5_000).toISOString();
      const claimed = await this.deps.webhooks.claimDeliveries(
        this.deps.holder,
        now.toISOString(),
        until,
        room,
        this.#busySubscriptions(),
      );
      for (const delivery of claimed) this.#start(delivery);
      started += claimed.length;
      if (claimed.length < room) return;
    }
    this.deps.poke?.();
  }

  /**
   * Waits for the attempts in flight (shutdown, tests). Those still waiting for their receiver when `deadline`
   * aborts are cut short, and drain still waits while their outcomes are written. Resolves with how many it cut.
   */
  async drain(deadline?: AbortSignal): Promise<number> {
    const cutShort = () => this.#cut.abort("cut short: the server stopped before the receiver answered");
    if (deadline?.aborted) cutShort();
    else deadline?.addEventListener("abort", cutShort, { once: true });
    try {
      while (this.#running.size > 0) await Promise.all([...this.#running]);
    } finally {
      deadline?.removeEventListener("abort", cutShort);
    }
    return this.#cutAttempts;
  }

  /** Sends a test delivery of type "ping" to one subscription now (not queued); returns the attempt. */
  async ping(subscription: WebhookSubscription): Promise<DeliveryAttempt> {
    const at = this.deps.now().toISOString();
    return await this.#attempt(subscription, `ping:${at}`, "ping", {
      id: `ping:${subscription.id}:${at}`,
      type: "ping",
      at,
      data: {},
    });
  }

  #busySubscriptions(): string[] {
    const limit = this.deps.settings.perSubscription;
    return [...this.#inFlight].filter(([, n]) => n >= limit).map(([id]) => id);
  }

  #start(delivery: WebhookDelivery): void {
    const { subscriptionId } = delivery;
    this.#inFlight.set(subscriptionId, (this.#inFlight.get(subscriptionId) ?? 0) + 1);
    const run = this.#deliver(delivery)
      .catch((error) => {
        this.deps.logger.warn("webhook attempt failed", { deliveryId: delivery.id, error: String(error) });
      })
      .finally(() => {
        const left = (this.#inFlight.get(subscriptionId) ?? 1) - 1;
        if (left > 0) this.#inFlight.set(subscriptionId, left);
        else this.#inFlight.delete(subscriptionId);
        this.#running.delete(run);
        this.deps.poke?.();
      });
    this.#running.add(run);
  }

  async #deliver(delivery: WebhookDelivery): Promise<void> {
    const subscription = await this.deps.webhooks.getSubscription(delivery.subscriptionId);
    const attempt: DeliveryAttempt = subscription === null || !subscription.enabled
      ? {
        at: this.deps.now().toISOString(),
        status: null,
        error: subscription === null ? "the subscription was deleted" : "the subscription is disabled",
        durationMs: 0,
      }
      : await this.#attempt(subscription, delivery.id, delivery.eventType, delivery.payload);
    const delivered = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
    const attempts = delivery.attempts + 1;
    // Cut short by this server's stop, not refused by the receiver: never the last attempt, and posted again at
    // once (by another process, or this one once it runs again).
    const cutShort = subscription?.enabled === true && attempt.status === null && this.#cut.signal.aborted;
    const gaveUp = !delivered && !cutShort &&
      (attempts >= this.deps.settings.maxAttempts || subscription === null);
    const nextAttemptAt = delivered || gaveUp || cutShort ? attempt.at : new Date(
      Date.parse(attempt.at) +
        retryDelayMs(attempts, {
          baseMs: this.deps.settings.backoffBaseMs,
          maxMs: this.deps.settings.backoffMaxMs,
        }),
    ).toISOString();
    const recorded = await this.deps.webhooks.recordAttempt(delivery.id, this.deps.holder, {
      state: delivered ? "delivered" : gaveUp ? "failed" : "pending",
      nextAttemptAt,
      attempt,
      maxLog: MAX_LOG,
    });
    if (!recorded) {
      this.deps.logger.warn("webhook attempt not recorded: the claim ran out", { deliveryId: delivery.id });
    } else if (!delivered) {
      this.deps.logger.info("webhook delivery failed", {
        deliveryId: delivery.id,
        subscriptionId: delivery.subscriptionId,
        attempt: attempts,
        status: attempt.status,
        error: attempt.error,
        gaveUp,
      });
    }
  }

  async #attempt(
    subscription: WebhookSubscription,
    deliveryId: string,
    eventType: string,
    payload: unknown,
  ): Promise<DeliveryAttempt> {
    const started = this.deps.now();
    const at = started.toISOString();
    const verdict = await this.deps.policy.check(subscription.url, this.deps.resolve);
    if (!verdict.ok) {
      return {
        at,
        status: null,
        error: `blocked by the webhook URL policy: ${verdict.reason}`,
        durationMs: 0,
      };
    }
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(started.getTime() / 1000);
    const result = await this.deps.post({
      url: verdict.url,
      addresses: verdict.addresses,
      body,
      timeoutMs: this.deps.settings.timeoutMs,
      signal: this.#cut.signal,
      headers: {
        "content-type": "application/json",
        "user-agent": "ocpp-csms-webhooks/1",
        "x-csms-event": eventType,
        "x-csms-delivery": deliveryId,
        "x-csms-timestamp": String(timestamp),
        "x-csms-signature": await signWebhook(subscription.secret, timestamp, body),
      },
    });
    if (this.#cut.signal.aborted && result.status === null) this.#cutAttempts++;
    const error = result.error ??
      (result.status !== null && (result.status < 200 || result.status >= 300)
        ? `HTTP ${result.status}`
        : null);
    return { at, status: result.status, error, durationMs: this.deps.now().getTime() - started.getTime() };
  }

  #subscriptionsNow(): Promise<WebhookSubscription[]> {
    const nowMs = this.deps.now().getTime();
    const cached = this.#subscriptions;
    if (cached && nowMs - cached.at < this.deps.settings.subscriptionCacheMs) {
      return Promise.resolve(cached.list);
    }
    return this.#loading ??= this.#load(nowMs);
  }

  async #load(nowMs: number): Promise<WebhookSubscription[]> {
    const generation = this.#generation;
    try {
      const list = await this.deps.webhooks.listSubscriptions();
      if (generation === this.#generation) this.#subscriptions = { at: nowMs, list };
      return list;
    } finally {
      if (generation === this.#generation) this.#loading = null;
    }
  }
}

/**
 * Webhook subscriptions and their delivery log (admins only: a subscription sends data out of the system).
 * A URL must pass the SSRF policy (fleet/webhook_url_policy.ts) when it is saved, and again before every
 * delivery. The secret is shown once, when the subscription is created (or its secret renewed).
 */
import { z } from "zod";
import { principalLabel } from "../../auth/principal.ts";
import type { Fleet } from "../../fleet/mod.ts";
import { WEBHOOK_EVENT_TYPES } from "../../fleet/webhook_events.ts";
import { newWebhookSecret } from "../../fleet/webhook_signature.ts";
import type { WebhookSubscription } from "../../store/fleet.ts";
import { ApiError, type ApiRouter } from "./http.ts";
import { refuseOutlivingGrant } from "./outliving_grants.ts";
import {
  DeliveryAttemptResultSchema,
  WebhookCreatedSchema,
  WebhookDeliverySchema,
  WebhookSubscriptionSchema,
} from "./fleet_schemas.ts";
import { ErrorSchema, limit, listOf, pageOf } from "./schemas.ts";

const events = z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length);
const CreateBody = z.object({
  url: z.string().min(1).max(2000),
  events,
  enabled: z.boolean().default(true),
  description: z.string().max(200).default(""),
}).strict();
const UpdateBody = z.object({
  url: z.string().min(1).max(2000).optional(),
  events: events.optional(),
  enabled: z.boolean().optional(),
  description: z.string().max(200).optional(),
  renewSecret: z.boolean().optional().describe("A new secret, answered once"),
}).strict();
const IdParam = z.object({ id: z.string().min(1).max(100) });
const DeliveryQuery = z.object({
  subscriptionId: z.string().max(100).optional(),
  state: z.enum(["pending", "delivered", "failed"]).optional(),
  before: z.string().max(100).optional().describe("Cursor: the nextCursor of the previous page"),
  limit: limit(50, 500),
});

const ERRORS = {
  400: { description: "Invalid request, or a URL the webhook URL policy refuses", schema: ErrorSchema },
  401: { description: "Not authenticated", schema: ErrorSchema },
  403: { description: "Role too low (needs admin)", schema: ErrorSchema },
};
const NOT_FOUND = { 404: { description: "Unknown subscription", schema: ErrorSchema } };

/** What a subscription looks like from outside: never its secret. */
function shown(s: WebhookSubscription) {
  const { secret: _secret, ...rest } = s;
  return rest;
}

export function addWebhookRoutes(router: ApiRouter, fleet: Fleet, now: () => Date): void {
  const hooks = fleet.store.webhooks;

  async function allowedUrl(url: string): Promise<string> {
    const verdict = await fleet.checkWebhookUrl(url);
    if (!verdict.ok) {
      throw new ApiError(400, "invalid_request", `Webhook URL refused: ${verdict.reason}`, {
        in: "body",
        field: "url",
        constraint: "webhook URL policy",
      });
    }
    return verdict.url.toString();
  }

  async function mustGet(id: string): Promise<WebhookSubscription> {
    const s = await hooks.getSubscription(id);
    if (!s) throw new ApiError(404, "not_found", `Webhook subscription "${id}" is unknown`);
    return s;
  }

  router.add({
    method: "get",
    path: "/v1/webhooks",
    operationId: "listWebhooks",
    summary: "Webhook subscriptions",
    tag: "Webhooks",
    access: "admin",
    responses: {
      200: { description: "Every subscription", schema: listOf(WebhookSubscriptionSchema) },
      ...ERRORS,
    },
  }, async (c) => c.json({ items: (await hooks.listSubscriptions()).map(shown) }));

  router.add({
    method: "post",
    path: "/v1/webhooks",
    operationId: "createWebhook",
    summary: "Subscribe a URL to events",
    description: `Events: ${WEBHOOK_EVENT_TYPES.join(", ")}. Each delivery is a JSON POST ` +
      "`{ id, type, at, data }` with X-CSMS-Event, X-CSMS-Delivery, X-CSMS-Timestamp and X-CSMS-Signature " +
      "(`sha256=` HMAC-SHA256 of `<timestamp>.<body>` with the secret), retried with exponential back-off " +
      "until a 2xx answer. Loopback, private, link-local and other non-public addresses are refused unless " +
      "WEBHOOK_ALLOW_LOOPBACK or WEBHOOK_ALLOWED_NETWORKS allow them.",
    tag: "Webhooks",
    access: "admin",
    body: CreateBody,
    responses: {
      201: { description: "Created; the secret is shown only now", schema: WebhookCreatedSchema },
      ...ERRORS,
    },
  }, async (c, { body, principal }) => {
    refuseOutlivingGrant(principal, "create a webhook");
    const at = now().toISOString();
    const subscription: WebhookSubscription = {
      id: crypto.randomUUID(),
      url: await allowedUrl(body.url),
      events: [...new Set(body.events)],
      secret: newWebhookSecret(),
      enabled: body.enabled,
      description: body.description,
      createdBy: principal ? principalLabel(principal) : "anonymous",
      createdAt: at,
      updatedAt: at,
    };
    await hooks.putSubscription(subscription);
    fleet.webhooks.invalidate();
    return c.json(subscription, 201);
  });

  router.add({
    method: "get",
    path: "/v1/webhooks/{id}",
    operationId: "getWebhook",
    summary: "One webhook subscription",
    tag: "Webhooks",
    access: "admin",
    params: IdParam,
    responses: {
      200: { description: "The subscription", schema: WebhookSubscriptionSchema },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params }) => c.json(shown(await mustGet(params.id))));

  router.add({
    method: "patch",
    path: "/v1/webhooks/{id}",
    operationId: "updateWebhook",
    summary: "Change a webhook subscription (URL, events, enabled, description, a new secret)",
    tag: "Webhooks",
    access: "admin",
    params: IdParam,
    body: UpdateBody,
    responses: {
      200: {
        description: "Updated (with the secret when renewed)",
        schema: WebhookCreatedSchema.partial({ secret: true }),
      },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params, body, principal }) => {
    // Where it sends and what: a token that expires may only narrow it (disable it, fewer events kept).
    if (body.url !== undefined) refuseOutlivingGrant(principal, "change a webhook's URL");
    if (body.enabled === true) refuseOutlivingGrant(principal, "enable a webhook");
    // The new secret is in the answer: whoever holds it may sign deliveries the receiver trusts, after the token.
    if (body.renewSecret) refuseOutlivingGrant(principal, "renew a webhook's secret");
    const existing = await mustGet(params.id);
    if (body.events?.some((e) => !existing.events.includes(e))) {
      refuseOutlivingGrant(principal, "add events to a webhook");
    }
    const updated: WebhookSubscription = {
      ...existing,
      ...(body.url !== undefined ? { url: await allowedUrl(body.url) } : {}),
      ...(body.events !== undefined ? { events: [...new Set(body.events)] } : {}),
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(body.renewSecret ? { secret: newWebhookSecret() } : {}),
      updatedAt: now().toISOString(),
    };
    await hooks.putSubscription(updated);
    fleet.webhooks.invalidate();
    return c.json(body.renewSecret ? updated : shown(updated));
  });

  router.add({
    method: "delete",
    path: "/v1/webhooks/{id}",
    operationId: "deleteWebhook",
    summary: "Delete a webhook subscription (its delivery log stays)",
    tag: "Webhooks",
    access: "admin",
    params: IdParam,
    responses: { 204: { description: "Deleted" }, ...ERRORS, ...NOT_FOUND },
  }, async (c, { params }) => {
    if (!(await hooks.deleteSubscription(params.id))) {
      throw new ApiError(404, "not_found", `Webhook subscription "${params.id}" is unknown`);
    }
    fleet.webhooks.invalidate();
    return c.body(null, 204);
  });

  router.add({
    method: "post",
    path: "/v1/webhooks/{id}/ping",
    operationId: "pingWebhook",
    summary: "Send a signed test delivery (type ping) now and answer how it went",
    tag: "Webhooks",
    access: "admin",
    params: IdParam,
    responses: {
      200: { description: "The attempt", schema: DeliveryAttemptResultSchema },
      ...ERRORS,
      ...NOT_FOUND,
    },
  }, async (c, { params }) => c.json(await fleet.webhooks.ping(await mustGet(params.id))));

  router.add({
    method: "get",
    path: "/v1/webhook-deliveries",
    operationId: "listWebhookDeliveries",
    summary: "The delivery log, newest first (each delivery with its attempts)",
    tag: "Webhooks",
    access: "admin",
    query: DeliveryQuery,
    responses: {
      200: { description: "A page of deliveries", schema: pageOf(WebhookDeliverySchema) },
      ...ERRORS,
    },
  }, async (c, { query }) => {
    const items = await hooks.listDeliveries({
      limit: query.limit,
      ...(query.subscriptionId !== undefined ? { subscriptionId: query.subscriptionId } : {}),
      ...(query.state !== undefined ? { state: query.state } : {}),
      ...(query.before !== undefined ? { before: query.before } : {}),
    });
    const last = items.at(-1);
    return c.json({ items, nextCursor: items.length >= query.limit && last ? last.id : null });
  });
}

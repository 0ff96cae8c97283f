/**
 * `GET /api/v1/events`: the EventBus as Server-Sent Events, so pages update live. Each client has a bounded
 * buffer: a client that stops reading is dropped (its stream errors) rather than buffered without limit. A
 * comment line every `keepAliveMs` keeps proxies from closing an idle stream. The stream ends when the client
 * goes away (unsubscribing at once), when the server shuts down, and when its credential stops working: a
 * logout, a password change, a disabled or deleted user, a revoked token (checked at once when this process
 * makes such a change, and every `recheckMs` for changes made elsewhere and for expiry).
 */
import { z } from "zod";
import type { BusEvent, EventBus } from "../../actors/events.ts";
import type { FleetEventBus } from "../../fleet/events.ts";
import { EVENT_TYPES } from "../../components/event_types.ts";
import type { CredentialRevocations } from "../../auth/revocations.ts";
import { hasRole, type Principal, principalLabel } from "../../auth/principal.ts";
import type { Role } from "../../store/auth.ts";
import { HeldSlots } from "../../security/held_slots.ts";
import type { Logger } from "../../logger.ts";
import type { Metrics } from "../../metrics/metrics.ts";
import { ApiError, type ApiRouter, errorBody } from "./http.ts";
import { ErrorSchema } from "./schemas.ts";

export interface EventRouteOptions {
  events: EventBus;
  /** Job progress and reservation changes, on the same stream. */
  fleetEvents?: FleetEventBus;
  logger: Logger;
  /** Aborted when the server shuts down: every stream ends (Deno.serve waits for open responses). */
  signal: AbortSignal;
  /** Events buffered per client before it is dropped (default 1000). */
  bufferEvents?: number;
  /** Keep-alive comment interval (default 15 s). */
  keepAliveMs?: number;
  /** Heard when a credential may have stopped working: every stream checks its own again. */
  revocations?: CredentialRevocations;
  /** How often a stream checks its credential anyway (default 30 s). */
  recheckMs?: number;
  /** Counts open streams. */
  metrics?: Metrics;
  /** Streams one user or token may hold open at once (default 20); more are answered 429. */
  streamsPerPrincipal?: number;
}

const EventsQuery = z.object({
  chargePointId: z.string().max(48).optional().describe("Only this station's events"),
  types: z.string().max(200).optional()
    .refine((v) => v === undefined || listedTypes(v).every((t) => KNOWN_TYPES.has(t)), {
      message: `Event types are a comma-separated subset of: ${EVENT_TYPES.join(", ")}`,
    })
    .describe(`Comma-separated subset of: ${EVENT_TYPES.join(", ")}`),
});

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

const STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  "x-accel-buffering": "no",
} as const;

/**
 * Event types a viewer may not read, with the role their durable list asks for: a stream must not show live
 * what the API keeps from that role (`GET /api/v1/security-events` is operator-only).
 */
const EVENT_ACCESS: ReadonlyMap<string, Role> = new Map([["securityEvent", "operator"]]);

/** Whether `principal`, as it is now, may be sent events of `type`. */
function mayRead(principal: Principal | null, type: string): boolean {
  const needed = EVENT_ACCESS.get(type);
  return needed === undefined || (principal !== null && hasRole(principal, needed));
}

/** The event types a `types` query names. */
function listedTypes(types: string): string[] {
  return types.split(",").map((t) => t.trim()).filter(Boolean);
}

export function addEventRoutes(router: ApiRouter, options: EventRouteOptions): void {
  const { events, logger, signal } = options;
  const bufferEvents = options.bufferEvents ?? 1000;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const recheckMs = options.recheckMs ?? 30_000;
  const encoder = new TextEncoder();
  // Each open stream encodes every event again, may buffer bufferEvents of them and is rechecked on every
  // revocation: one credential opening hundreds would tax every station's events.
  const streamsPerPrincipal = options.streamsPerPrincipal ?? 20;
  const openStreams = new HeldSlots(streamsPerPrincipal);

  router.add({
    method: "get",
    path: "/v1/events",
    operationId: "streamEvents",
    summary: "Live station events as Server-Sent Events",
    description: `Event names: ${EVENT_TYPES.join(", ")}; each data line is the event as JSON. ` +
      `Comment lines (": keep-alive") arrive every ${keepAliveMs / 1000} s.`,
    tag: "Events",
    access: "viewer",
    query: EventsQuery,
    responses: {
      200: { description: "An endless text/event-stream", contentType: "text/event-stream" },
      400: { description: "An unknown event type or a bad station id", schema: ErrorSchema },
      401: { description: "Not authenticated", schema: ErrorSchema },
      403: {
        description: "A type asked for by name needs a higher role (securityEvent: operator)",
        schema: ErrorSchema,
      },
      429: { description: `This user or token has ${streamsPerPrincipal} streams open`, schema: ErrorSchema },
    },
  }, (c, { query, principal }) => {
    // Hono answers HEAD with this handler and drops the body unread: a stream built for it would never be
    // cancelled, and would keep its place, its subscription and its timers until the server stops.
    const wanted = query.types ? new Set(listedTypes(query.types)) : null;
    for (const type of wanted ?? []) {
      if (mayRead(principal, type)) continue;
      throw new ApiError(
        403,
        "forbidden",
        `Events of type "${type}" need the "${EVENT_ACCESS.get(type)}" role`,
        {
          required: EVENT_ACCESS.get(type),
          role: principal?.role ?? null,
        },
      );
    }
    if (c.req.method === "HEAD") return new Response(null, { headers: STREAM_HEADERS });
    const holder = principalLabel(principal);
    // A user's streams count together over their sessions; a token's by its id (two tokens may share a name).
    const release = openStreams.take(
      principal?.kind === "token" ? `token-id:${principal.credentialId}` : holder,
    );
    if (release === null) {
      return c.json(
        errorBody(
          "rate_limited",
          `${holder} has ${streamsPerPrincipal} event streams open, the most one user or token may: close one first`,
          { retryAfter: 5 },
        ),
        429,
        { "retry-after": "5" },
      );
    }
    const currentPrincipal = c.get("currentPrincipal");
    // Who the stream serves as of its last check: a role lowered while it is open narrows what it carries.
    let reader = principal;
    let cleanup = () => {};

    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let closed = false;
        const send = (text: string) => {
          if (closed) return;
          if ((controller.desiredSize ?? 1) <= 0) {
            logger.warn("event stream client dropped: too slow", { buffered: bufferEvents });
            finish();
            controller.error(new Error("Event stream client too slow"));
            return;
          }
          controller.enqueue(encoder.encode(text));
        };
        const forward = (event: { type: string; chargePointId: string | null }) => {
          if (query.chargePointId !== undefined && event.chargePointId !== query.chargePointId) return;
          if (wanted && !wanted.has(event.type)) return;
          if (!mayRead(reader, event.type)) return;
          send(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        };
        const unsubscribeStations = events.subscribe((event: BusEvent) => forward(event));
        const unsubscribeFleet = options.fleetEvents?.subscribe(forward);
        const unsubscribe = () => {
          unsubscribeStations();
          unsubscribeFleet?.();
        };
        const keepAlive = setInterval(() => send(": keep-alive\n\n"), keepAliveMs);
        let checking = false;
        const recheck = () => {
          if (closed || checking) return;
          checking = true;
          void currentPrincipal().then((now) => {
            checking = false;
            if (now) reader = now;
            if (!now && !closed) {
              logger.info("event stream ended: its credential no longer works");
              end();
            }
          });
        };
        const recheckTimer = setInterval(recheck, recheckMs);
        const stopHearing = options.revocations?.subscribe(recheck);
        const end = () => {
          if (closed) return;
          finish();
          try {
            controller.close();
          } catch {
            // Already errored or closed.
          }
        };
        const finish = () => {
          if (!closed) {
            options.metrics?.eventStreamsChanged(-1);
            release();
          }
          closed = true;
          unsubscribe();
          clearInterval(keepAlive);
          clearInterval(recheckTimer);
          stopHearing?.();
          signal.removeEventListener("abort", end);
        };
        cleanup = finish;
        options.metrics?.eventStreamsChanged(1);
        signal.addEventListener("abort", end);
        if (signal.aborted) return end();
        send(": connected\nretry: 3000\n\n");
      },
      // The client went away: Deno cancels the body. (Not request.signal: by default it also aborts once a
      // response has been handed over, which for a stream is at once.)
      cancel() {
        cleanup();
      },
    }, new CountQueuingStrategy({ highWaterMark: bufferEvents }));

    return new Response(body, { headers: STREAM_HEADERS });
  });
}

/**
 * What islands share in the browser: JSON calls to the operator API (the session cookie rides along) and one
 * EventSource per filter for the live events, however many islands listen to it (a shared feed,
 * shared_feed.ts, as the islands' own readers are).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { StationEvent } from "../components/types.ts";
import { EVENT_TYPES } from "../components/event_types.ts";
import { reopenDelayMs } from "./reopen_delay.ts";
import { type Feed, type OpenFeed, sharedFeeds } from "./shared_feed.ts";
import { sessionStillValid, setSignedOut, signInAgainHref, useSignedOut } from "./signed_out.ts";

/** An API error answer (`{ error, message, details }`) or a network failure (status 0). */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Calls the API; resolves with the parsed body (null for 204), rejects with ApiCallError. */
export async function apiFetch<T = unknown>(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? "GET",
      headers: init.body !== undefined ? { "content-type": "application/json" } : {},
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      credentials: "same-origin",
    });
  } catch (error) {
    throw new ApiCallError(0, "network_error", `Cannot reach the server: ${String(error)}`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { error: "invalid_response", message: text.slice(0, 200) };
  }
  if (!res.ok) {
    const e = (body ?? {}) as { error?: string; message?: string; details?: Record<string, unknown> };
    if (res.status === 401 && typeof location !== "undefined" && !location.pathname.startsWith("/login")) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
    throw new ApiCallError(
      res.status,
      e.error ?? "error",
      e.message ?? `HTTP ${res.status}`,
      e.details ?? {},
    );
  }
  return body as T;
}

/** What a stream hands the islands following it: one of its events, or that it opened (true) or dropped. */
type StreamNews = { event: never } | { live: boolean };

/** A stream's connection, while an island follows it: the feed it hands out on, its EventSource, its reopens. */
interface Channel {
  url: string;
  feed: Feed<StreamNews>;
  source: EventSource | null;
  live: boolean;
  /** Reopens since the stream was last open: the next wait grows with it. */
  attempts: number;
  /** The pending reopen, cleared when the last subscriber leaves. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** One stream per filter for the page, however many islands follow it (shared_feed.ts). */
const streams = sharedFeeds<string, StreamNews>();
/** The streams followed now, by filter: a subscriber joining one already open is told it is live. */
const channels = new Map<string, Channel>();

/** Opens `query`'s stream for its first follower; what it returns closes it after the last one. */
function openStream(query: string): OpenFeed<StreamNews> {
  return (feed) => {
    const ch: Channel = {
      url: `/api/v1/events${query ? `?${query}` : ""}`,
      feed,
      source: null,
      live: false,
      attempts: 0,
      timer: undefined,
    };
    channels.set(query, ch);
    open(ch);
    return () => {
      clearTimeout(ch.timer);
      ch.source?.close();
      channels.delete(query);
    };
  };
}

function setLive(ch: Channel, live: boolean): void {
  ch.live = live;
  ch.feed.handOut({ live });
}

function open(ch: Channel): void {
  const source = new EventSource(ch.url);
  ch.source = source;
  source.onopen = () => {
    ch.attempts = 0;
    setSignedOut(false);
    setLive(ch, true);
  };
  source.onerror = () => {
    setLive(ch, false);
    // CONNECTING: the browser asks again by itself. CLOSED (a non-200 answer): it never will, so we do.
    if (source.readyState === EventSource.CLOSED) reopenLater(ch);
  };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      let event: never;
      try {
        // Each subscriber names the event type it reads; the stream itself is untyped JSON.
        event = JSON.parse((message as MessageEvent<string>).data) as never;
      } catch {
        return;
      }
      ch.feed.handOut({ event });
    });
  }
}

/**
 * Reopens a stream the browser gave up on, after a growing, jittered wait (reopenDelayMs). The session is
 * checked first: once it is gone (401), the page says so and only checks again, at the longest wait, until
 * the operator signs in again (in another tab); the stream is not asked for meanwhile.
 */
function reopenLater(ch: Channel): void {
  ch.source?.close();
  ch.source = null;
  ch.timer = setTimeout(async () => {
    ch.timer = undefined;
    const valid = await sessionStillValid();
    // Its last subscriber left during the check.
    if (!ch.feed.open) return;
    if (!valid) {
      setSignedOut(true);
      ch.attempts = Math.max(ch.attempts, 16);
      return reopenLater(ch);
    }
    ch.attempts++;
    open(ch);
  }, reopenDelayMs(ch.attempts));
}

/**
 * Listens to `/api/v1/events` with `query` (e.g. `chargePointId=CP-1`). `onLive(true)` fires when the stream
 * is (re)opened, so a caller can refetch what it may have missed, and `onLive(false)` when it drops. A stream
 * the browser closed for good (a 503 while the server restarts) is reopened, after a growing wait.
 */
export function subscribeEvents<E = StationEvent>(
  query: string,
  onEvent: (e: E) => void,
  onLive: (live: boolean) => void = () => {},
): () => void {
  const leave = streams.follow(
    query,
    openStream(query),
    (news) => "event" in news ? onEvent(news.event) : onLive(news.live),
  );
  if (channels.get(query)?.live) onLive(true);
  return leave;
}

/**
 * The hook form of subscribeEvents; the latest `onEvent` is always the one called. Returns whether the
 * stream is live. `onOpen` runs each time the stream opens, the first time included: the island was
 * rendered with data read before that (the page's render, a fetch), so whatever happened in between, not on
 * the stream, is read again.
 */
export function useEvents<E = StationEvent>(
  query: string,
  onEvent: (e: E) => void,
  onOpen?: () => void,
): boolean {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const opened = useRef(onOpen);
  opened.current = onOpen;
  const [live, setLive] = useState(false);
  useEffect(() => {
    return subscribeEvents<E>(query, (e) => handler.current(e), (isLive) => {
      setLive(isLive);
      if (isLive) opened.current?.();
    });
  }, [query]);
  return live;
}

/** Tells other islands on the page that a command finished (the activity log refreshes). */
export function announceCommand(detail: { action: string; ok: boolean }): void {
  dispatchEvent(new CustomEvent("csms:command", { detail }));
}

/** Runs `fn` when another island announces a finished command. */
export function useCommandAnnouncements(fn: () => void): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    const listener = () => ref.current();
    addEventListener("csms:command", listener);
    return () => removeEventListener("csms:command", listener);
  }, []);
}

/** The live-stream indicator shown by islands that update from events. */
export function LiveDot(props: { live: boolean }) {
  const signedOut = useSignedOut();
  if (signedOut) {
    return (
      <span class="live off" data-live="false" data-signed-out="true" role="status">
        Signed out: this page no longer updates. <a href={signInAgainHref()}>Sign in again</a>
      </span>
    );
  }
  return (
    <span class={`live ${props.live ? "on" : "off"}`} data-live={String(props.live)} role="status">
      {props.live ? "live" : "connecting…"}
    </span>
  );
}

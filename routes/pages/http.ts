/**
 * How pages get their data: through the operator API itself, in-process (`app.request`), with the visitor's
 * own cookie, so the API's authentication and role checks are the only ones (a viewer's page asks for what a
 * viewer may read, nothing more), and with the visitor's own connection, so the API sees the address it would
 * see for the browser (the login back-off, security events). Also the page-level error and the HTML response.
 */
import type { Context } from "hono";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { Viewer } from "../../components/layout.tsx";

/**
 * Calls the app (the API lives under /api) as if from the browser. `connection` is the browser's connection
 * as the server saw it (Deno.serve's handler info, Hono's `c.env`): it carries the peer address, and only the
 * server can set it, never a header of the request.
 */
export type ApiFetch = (
  path: string,
  init: RequestInit,
  connection?: unknown,
) => Response | Promise<Response>;

/** A page that cannot be shown: rendered as an error page with this status. */
export class PageError extends Error {
  constructor(readonly status: 400 | 403 | 404 | 500 | 502 | 503, message: string) {
    super(message);
  }
}

/** A page shown with another status than 200: a list page's query it cannot use (400) says why on the page. */
export interface StatusPage {
  status: 400;
  page: VNode;
}

/** Whether a page's render gave a StatusPage rather than a page to show with 200. */
export function isStatusPage(out: VNode | StatusPage): out is StatusPage {
  return "page" in out && "status" in out;
}

/** The visitor is not logged in (or the session ended): they go to the login page. */
export class NeedsLogin extends Error {}

export interface PageApi {
  /** GET below /api; throws NeedsLogin on 401 and PageError on any other failure. */
  get<T>(path: string): Promise<T>;
  /** Like get, but a 404 is null. */
  find<T>(path: string): Promise<T | null>;
  /** Any call; the raw Response (for login/logout, whose cookies are passed on). */
  raw(path: string, init: RequestInit): Promise<Response>;
  viewer(): Promise<Viewer>;
}

/**
 * Headers of the browser's request that the API looks at: the cookie, what its origin check reads, and what a
 * trusted proxy says of the client (believed only when the connection's peer is one, as for the browser).
 */
const FORWARDED = [
  "cookie",
  "host",
  "origin",
  "sec-fetch-site",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-for",
  "x-real-ip",
];

export function pageApi(c: Context, fetchApi: ApiFetch): PageApi {
  const headers = new Headers();
  for (const name of FORWARDED) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  const raw = async (path: string, init: RequestInit = {}) => {
    const merged = new Headers(headers);
    for (const [k, v] of new Headers(init.headers)) merged.set(k, v);
    return await fetchApi(path, { ...init, headers: merged }, c.env);
  };
  const read = async <T>(path: string, notFoundIsNull: boolean): Promise<T | null> => {
    const res = await raw(path);
    const text = await res.text();
    if (res.status === 401) throw new NeedsLogin();
    if (res.status === 404 && notFoundIsNull) return null;
    let body: { message?: string } | null = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      throw new PageError(502, `The API answered ${path} with something other than JSON`);
    }
    if (!res.ok) {
      const status = res.status === 403 || res.status === 404 || res.status === 400 || res.status === 503
        ? res.status
        : 502;
      throw new PageError(status, body?.message ?? `The API answered ${res.status}`);
    }
    return body as T;
  };
  let me: Promise<Viewer> | undefined;
  return {
    get: async <T>(path: string) => (await read<T>(path, false)) as T,
    find: <T>(path: string) => read<T>(path, true),
    raw,
    viewer: () => (me ??= read<Viewer>("/api/v1/auth/me", false).then((v) => v as Viewer)),
  };
}

/** Security headers of every page: our own scripts and styles only. */
export const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

export function html(
  c: Context,
  page: VNode,
  status: 200 | 400 | 401 | 403 | 404 | 429 | 500 | 502 | 503 = 200,
) {
  return c.html(`<!doctype html>${renderToString(page)}`, status, PAGE_HEADERS);
}

const SAME_ORIGIN_BASE = "http://csms.invalid";

/**
 * A same-origin path to go to after login; anything else becomes "/". Browsers drop tabs and newlines from a
 * URL and read "\\" as "/", so "/\t/evil.example" would leave the site: such characters are refused, and the
 * path is checked as a browser will resolve it.
 *
 * @example
 * ```ts
 * safeNext("/stations/CP-1?x=1"); // "/stations/CP-1?x=1"
 * safeNext("/\t/evil.example"); // "/"
 * ```
 */
export function safeNext(next: string | undefined): string {
  if (!next || next.length > 2048 || !next.startsWith("/")) return "/";
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u0020\u007f\\]/.test(next)) return "/";
  let url: URL;
  try {
    url = new URL(next, SAME_ORIGIN_BASE);
  } catch {
    return "/";
  }
  const path = url.pathname + url.search + url.hash;
  if (url.origin !== SAME_ORIGIN_BASE || path.startsWith("//")) return "/";
  return path;
}

/**
 * Who is calling: a Bearer API token (machines) or the session cookie (the dashboard). Sets `principal` for
 * every API request; only the routes marked anonymous (login) answer without one, everything else is 401.
 *
 * A cookie-authenticated request that changes something must come from our own origin: SameSite=Lax already
 * keeps cross-site POSTs cookieless, and the Origin check also covers sibling subdomains (same site).
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AuthStore } from "../../store/auth.ts";
import { type ApiEnv, ApiError, type Principal } from "./http.ts";
import { sha256Hex } from "./secrets.ts";

export const SESSION_COOKIE = "csms_session";

/** API tokens start with this, so they are recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = "csms_";

/** Token use is written at most this often per token (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export interface AuthenticateOptions {
  auth: AuthStore;
  now: () => Date;
  /** `METHOD path` pairs (below the mount point) that work without a principal. */
  anonymous: (method: string, path: string) => boolean;
}

export function authenticate(options: AuthenticateOptions): MiddlewareHandler<ApiEnv> {
  const { auth, now } = options;
  return async function authenticateRequest(c, next) {
    const principal = await resolvePrincipal(c, auth, now());
    c.set("principal", principal);
    if (!principal && !options.anonymous(c.req.method, c.req.path)) {
      throw new ApiError(401, "unauthenticated", "Authentication is required: log in or send a Bearer token");
    }
    if (principal?.kind === "user" && !SAFE_METHODS.has(c.req.method) && !sameOrigin(c)) {
      throw new ApiError(403, "forbidden", "Cross-origin request refused", {
        origin: c.req.header("origin"),
      });
    }
    await next();
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** True when the browser says the request comes from the page's own origin (or says nothing: not a browser). */
function sameOrigin(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") return false;
  const origin = c.req.header("origin");
  if (origin === undefined || origin === "null") return origin === undefined;
  const host = c.req.header("x-forwarded-host") ?? c.req.header("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

const lastTouch = new Map<string, number>();

async function resolvePrincipal(c: Context, auth: AuthStore, at: Date): Promise<Principal | null> {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      throw new ApiError(401, "unauthenticated", 'Authorization header must be "Bearer <token>"');
    }
    const token = await auth.getTokenByHash(await sha256Hex(match[1]));
    if (!token || (token.expiresAt !== null && token.expiresAt <= at.toISOString())) {
      // A bad token is an error, never a silent fall back to the cookie.
      throw new ApiError(401, "unauthenticated", "The API token is unknown, revoked or expired");
    }
    const previous = lastTouch.get(token.id) ?? 0;
    if (at.getTime() - previous >= TOUCH_EVERY_MS) {
      lastTouch.set(token.id, at.getTime());
      if (lastTouch.size > 10_000) lastTouch.clear();
      auth.touchToken(token.id, at.toISOString()).catch(() => {});
    }
    return { kind: "token", name: token.name, role: token.role, credentialId: token.id };
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie === undefined || cookie === "") return null;
  const session = await auth.getSession(await sha256Hex(cookie), at.toISOString());
  if (!session) return null;
  // The role is read now, not when the session was made: a demotion or a disable applies at once.
  const user = await auth.getUser(session.username);
  if (!user || user.disabled) return null;
  return { kind: "user", name: user.username, role: user.role, credentialId: session.id };
}

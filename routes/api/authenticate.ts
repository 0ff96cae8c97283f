/**
 * Who is calling: a Bearer API token (machines) or the session cookie (the dashboard). Sets `principal` for
 * every API request; only the routes marked anonymous (login) answer without one, everything else is 401.
 *
 * A cookie-authenticated or anonymous request that changes something must come from our own origin:
 * SameSite=Lax already keeps cross-site POSTs cookieless, and the Origin check also covers sibling subdomains
 * (same site) and the anonymous login (login CSRF: another site logging the visitor in as someone else).
 */
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { ApiTokens } from "../../auth/api_tokens.ts";
import type { Principal } from "../../auth/principal.ts";
import { sessionPrincipal } from "../../auth/sessions.ts";
import type { AuthStore } from "../../store/auth.ts";
import { type ApiEnv, ApiError, refuseCrossOrigin } from "./http.ts";

export const SESSION_COOKIE = "csms_session";

export interface AuthenticateOptions {
  auth: AuthStore;
  now: () => Date;
  /** `METHOD path` pairs (below the mount point) that work without a principal. */
  anonymous: (method: string, path: string) => boolean;
}

export function authenticate(options: AuthenticateOptions): MiddlewareHandler<ApiEnv> {
  const { auth, now } = options;
  const tokens = new ApiTokens(auth);
  return async function authenticateRequest(c, next) {
    const credentials = {
      authorization: c.req.header("authorization"),
      session: getCookie(c, SESSION_COOKIE),
    };
    const principal = await resolvePrincipal(credentials, auth, tokens, now());
    c.set("principal", principal);
    // For long-lived answers (event streams): is the same credential still good? Reads only the strings.
    c.set("currentPrincipal", async () => {
      try {
        return await resolvePrincipal(credentials, auth, tokens, now());
      } catch {
        return null;
      }
    });
    if (!principal && !options.anonymous(c.req.method, c.req.path)) {
      throw new ApiError(401, "unauthenticated", "Authentication is required: log in or send a Bearer token");
    }
    // Cookie users, and the anonymous login itself (login CSRF): never on behalf of another site.
    if (!SAFE_METHODS.has(c.req.method)) refuseCrossOrigin(c, principal);
    await next();
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

interface Credentials {
  /** The Authorization header, as sent. */
  authorization: string | undefined;
  /** The session cookie's value. */
  session: string | undefined;
}

async function resolvePrincipal(
  credentials: Credentials,
  auth: AuthStore,
  tokens: ApiTokens,
  at: Date,
): Promise<Principal | null> {
  let header = credentials.authorization;
  // Behind a proxy's own Basic auth (nginx auth_basic) the browser sends its Basic credentials with every
  // request: they are the proxy's, and the session cookie says who the dashboard user is.
  if (header !== undefined && /^Basic\s/i.test(header) && credentials.session) header = undefined;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      throw new ApiError(401, "unauthenticated", 'Authorization header must be "Bearer <token>"');
    }
    const principal = await tokens.principal(match[1], at);
    // A bad token is an error, never a silent fall back to the cookie.
    if (!principal) {
      throw new ApiError(
        401,
        "unauthenticated",
        "The API token is unknown, revoked or expired, or the user who created it is disabled",
      );
    }
    return principal;
  }
  const cookie = credentials.session;
  if (cookie === undefined || cookie === "") return null;
  return await sessionPrincipal(auth, cookie, at);
}

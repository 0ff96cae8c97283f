/**
 * Whether a browser says a request comes from the page's own origin: `Sec-Fetch-Site` (same-origin: yes; none:
 * see Origin), then `Origin` against the Host (a browser sends no Sec-Fetch-Site over plain http, but to
 * localhost). A request that says nothing is not from a browser (or from one too old to say), and passes: other
 * defences (SameSite cookies, a form token, a JSON content type) cover those.
 *
 * @example
 * ```ts ignore
 * if (!isSameOrigin(c)) throw new ApiError(403, "forbidden", "Cross-origin request refused");
 * ```
 */
import type { Context } from "hono";

export function isSameOrigin(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  // The browser's own verdict, which no page can forge (a forbidden header name): believed as it is, whatever
  // Host a proxy passed on (nginx's `$host` drops the port, so Origin `https://host:8443` never matched it).
  if (site === "same-origin") return true;
  if (site !== undefined && site !== "none") return false;
  const origin = c.req.header("origin");
  if (origin === undefined || origin === "null") return origin === undefined;
  // X-Forwarded-Host is believed from any peer, not only TRUSTED_PROXIES: a proxy that rewrites Host needs it,
  // and a browser cannot be made to send it cross-site (a custom header needs a preflight we never grant).
  const host = c.req.header("x-forwarded-host") ?? c.req.header("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

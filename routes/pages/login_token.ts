/**
 * The login form's token against login CSRF: GET /login sets a random value in a cookie only /login reads
 * (HttpOnly, SameSite=Strict) and puts the same value in the form; POST /login wants both, equal. Another site
 * can make the visitor's browser post a form, but cannot read or set that cookie.
 *
 * @example
 * ```ts ignore
 * const csrf = issueLoginToken(c); // into the form
 * loginTokenMatches(c, form["csrf"]); // on the post
 * ```
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { newSecret } from "../../auth/secrets.ts";

export const LOGIN_TOKEN_COOKIE = "csms_login_token";

export function issueLoginToken(c: Context): string {
  const token = newSecret();
  setCookie(c, LOGIN_TOKEN_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/login",
    secure: new URL(c.req.url).protocol === "https:" ||
      c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https",
    maxAge: 3600,
  });
  return token;
}

export function loginTokenMatches(c: Context, submitted: unknown): boolean {
  const cookie = getCookie(c, LOGIN_TOKEN_COOKIE);
  return typeof submitted === "string" && cookie !== undefined && cookie.length >= 32 && submitted === cookie;
}

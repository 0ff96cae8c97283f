/**
 * The operator API of a spawned server (tests/helpers/process.ts) as ADMIN (the server must have
 * ADMIN_USER/ADMIN_PASSWORD), signed in as the dashboard is: a session cookie.
 */
import { ADMIN } from "./api.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Signs in as ADMIN; the session cookie (`name=value`). */
export async function adminCookie(serverUrl: string): Promise<string> {
  const login = await fetch(`${serverUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  await login.body?.cancel();
  if (login.status !== 200) throw new Error(`Login answered ${login.status}`);
  return (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

/** Signs in as ADMIN; a caller of `/api/v1{path}` with that session (JSON in, JSON or null out). */
export async function adminApi(serverUrl: string) {
  const cookie = await adminCookie(serverUrl);
  return async (
    path: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${serverUrl}/api/v1${path}`, {
      method: init.method ?? "GET",
      headers: { cookie, "content-type": "application/json" },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

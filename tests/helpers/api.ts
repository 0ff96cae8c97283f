/**
 * The real server with operator accounts: an admin from ADMIN_USER/ADMIN_PASSWORD, and one API token per role
 * made through the API itself, so tests call the API as an operator's tools would.
 */
import type { ServerOptions } from "../../server.ts";
import type { Store } from "../../store/mod.ts";
import { startTestServer, type TestServer } from "./server.ts";

export type Role = "viewer" | "operator" | "admin";

export const ADMIN = { username: "root", password: "root-password-1" };

export interface ApiTestServer extends TestServer {
  tokens: Record<Role, string>;
  /** fetch below the server's URL; `as` picks the token (none: anonymous). */
  api(
    path: string,
    init?: { method?: string; body?: unknown; as?: Role | null; headers?: Record<string, string> },
  ): Promise<Response>;
  /** api() and the parsed JSON body. */
  // deno-lint-ignore no-explicit-any
  json<T = any>(
    path: string,
    init?: { method?: string; body?: unknown; as?: Role | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
  /** Logs in with username and password; returns the `name=value` of the session cookie. */
  login(username: string, password: string): Promise<string>;
}

export async function startApiServer(
  env: Record<string, string> = {},
  options: ServerOptions & { store?: Store } = {},
): Promise<ApiTestServer> {
  const server = await startTestServer(
    { ADMIN_USER: ADMIN.username, ADMIN_PASSWORD: ADMIN.password, ...env },
    options,
  );
  const tokens = {} as Record<Role, string>;
  const api: ApiTestServer["api"] = (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const as = init.as === undefined ? "admin" : init.as;
    if (as !== null && tokens[as]) headers["authorization"] = `Bearer ${tokens[as]}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      headers["content-type"] = "application/json";
      body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    }
    return fetch(`${server.url}${path}`, {
      method: init.method ?? "GET",
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  };
  const json: ApiTestServer["json"] = async (path, init) => {
    const res = await api(path, init);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const login = async (username: string, password: string) => {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    await res.body?.cancel();
    if (res.status !== 200) throw new Error(`Login of ${username} answered ${res.status}`);
    return (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  };
  try {
    const cookie = await login(ADMIN.username, ADMIN.password);
    for (const role of ["viewer", "operator", "admin"] as const) {
      const res = await fetch(`${server.url}/api/v1/tokens`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ name: `${role} tests`, role }),
      });
      const created = await res.json();
      if (res.status !== 201) throw new Error(`Token for ${role}: ${res.status} ${JSON.stringify(created)}`);
      tokens[role] = created.token;
    }
  } catch (error) {
    await server.close();
    throw error;
  }
  return { ...server, tokens, api, json, login };
}

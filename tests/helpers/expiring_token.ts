/**
 * An API token that expires, made through the API by the test server's admin, and a caller that uses it: the
 * attacker of the `attack_expiring_token_*` tests, whose every grant must end with the token.
 */
import { assertEquals } from "@std/assert";
import type { ApiTestServer, Role } from "./api.ts";

export interface ExpiringToken {
  token: string;
  /** `method path` below /api/v1 with the token and a JSON body, if any; the status and the JSON answer (null: none). */
  // deno-lint-ignore no-explicit-any
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** A token of `role` that expires at `expiresAt` (default: in an hour). */
export async function expiringToken(
  server: ApiTestServer,
  role: Role,
  expiresAt: Date | string = new Date(Date.now() + 3_600_000),
): Promise<ExpiringToken> {
  const made = await server.json("/api/v1/tokens", {
    method: "POST",
    body: {
      name: "hour",
      role,
      expiresAt: typeof expiresAt === "string" ? expiresAt : expiresAt.toISOString(),
    },
  });
  assertEquals(made.status, 201, JSON.stringify(made.body));
  const token = made.body.token as string;
  return {
    token,
    async call(method, path, body) {
      const res = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
}

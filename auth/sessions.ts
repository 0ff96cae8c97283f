/**
 * Operator login sessions: checking a username and password, starting a session (the browser keeps a random
 * secret in a cookie, the store only its SHA-256), and finding who a cookie belongs to.
 *
 * @example
 * ```ts ignore
 * const user = await checkCredentials(auth, "alice", "a long secret");
 * if (user) {
 *   const { secret } = await startSession(auth, user.username, 12, new Date());
 *   await sessionPrincipal(auth, secret, new Date()); // { kind: "user", name: "alice", ... }
 * }
 * ```
 */
import type { AuthStore, UserRecord } from "../store/auth.ts";
import { verifyAgainstDummy, verifyPassword } from "./passwords.ts";
import type { Principal } from "./principal.ts";
import { newSecret, sha256Hex } from "./secrets.ts";

/**
 * The user when `password` is theirs and they are not disabled, else null. An unknown username costs the same
 * time as a known one, so timing does not tell which usernames exist.
 */
export async function checkCredentials(
  auth: AuthStore,
  username: string,
  password: string,
): Promise<UserRecord | null> {
  const user = await auth.getUser(username);
  const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
  return user && ok && !user.disabled ? user : null;
}

/** Stores a new session for `username`; the secret (for the cookie) is returned, never stored. */
export async function startSession(
  auth: AuthStore,
  username: string,
  ttlHours: number,
  at: Date,
): Promise<{ secret: string; expiresAt: Date }> {
  const secret = newSecret();
  const expiresAt = new Date(at.getTime() + ttlHours * 3_600_000);
  await auth.createSession({
    id: await sha256Hex(secret),
    username,
    createdAt: at.toISOString(),
    expiresAt: expiresAt.toISOString(),
  });
  return { secret, expiresAt };
}

/** The user behind a session cookie's secret; null when the session is unknown, expired, or its user disabled. */
export async function sessionPrincipal(auth: AuthStore, secret: string, at: Date): Promise<Principal | null> {
  const session = await auth.getSession(await sha256Hex(secret), at.toISOString());
  if (!session) return null;
  // The role is read now, not when the session was made: a demotion or a disable applies at once.
  const user = await auth.getUser(session.username);
  if (!user || user.disabled) return null;
  return {
    kind: "user",
    name: user.username,
    role: user.role,
    credentialId: session.id,
    owner: user.username,
  };
}

/**
 * The AuthStore: operators' accounts, their login sessions, and API tokens for machines. A small interface of
 * its own, beside the Store, with the same two backends (`kv/auth.ts`, `postgres/auth.ts`) and one contract
 * suite (`contract/auth.ts`).
 *
 * Secrets never reach the store in clear: passwords arrive as salted slow hashes, session ids and API tokens
 * as SHA-256 digests (hex). Times are ISO 8601 UTC strings with milliseconds, like the Store's.
 */

/** viewer: reads only; operator: reads and commands; admin: also users, tokens, id tags and registration. */
export type Role = "viewer" | "operator" | "admin";

export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

export interface UserRecord {
  /** The login name; the key, never changes. */
  username: string;
  role: Role;
  /** `pbkdf2-sha256$<iterations>$<salt>$<hash>` (see auth/passwords.ts). */
  passwordHash: string;
  /** A disabled user cannot log in, and its sessions stop working. */
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** An admin who can log in: someone must stay one, or nobody could manage users. */
export function isActiveAdmin(u: UserRecord): boolean {
  return u.role === "admin" && !u.disabled;
}

/** Whether replacing `before` with `after` (null: deleting it) leaves an active admin, `others` being the rest. */
export function keepsAnAdmin(
  others: readonly UserRecord[],
  before: UserRecord,
  after: UserRecord | null,
): boolean {
  if (!isActiveAdmin(before) || (after !== null && isActiveAdmin(after))) return true;
  return others.some(isActiveAdmin);
}

/** What `changeUser` did. */
export type UserChange =
  | { ok: true; before: UserRecord; after: UserRecord | null }
  | { ok: false; reason: "missing" | "lastAdmin" };

export interface SessionRecord {
  /** SHA-256 (hex) of the cookie value. */
  id: string;
  username: string;
  createdAt: string;
  expiresAt: string;
}

export interface ApiTokenRecord {
  id: string;
  /** What the token is for ("billing backend"), shown in lists and in the command log. */
  name: string;
  role: Role;
  /** SHA-256 (hex) of the bearer secret. */
  tokenHash: string;
  /** The admin who created it. */
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface AuthStore {
  /** How many users exist (the first admin is created only when there are none). */
  countUsers(): Promise<number>;
  getUser(username: string): Promise<UserRecord | null>;
  /** False (and nothing written) when the username is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  /** Replaces an existing user; false when there is no such user. */
  updateUser(user: UserRecord): Promise<boolean>;
  /** Also deletes the user's sessions. False when there was no such user. */
  deleteUser(username: string): Promise<boolean>;
  /** Sorted by username (code point order). */
  listUsers(): Promise<UserRecord[]>;
  /**
   * Replaces a user with `change(stored)`, or deletes it (and its sessions) when that is null, atomically
   * against every other `changeUser`: two admins demoting each other cannot both succeed, and a change made
   * meanwhile is not overwritten (`change` may run again, on the newer record). Nothing is written when there
   * is no such user ("missing") or when no active admin would be left ("lastAdmin").
   */
  changeUser(username: string, change: (user: UserRecord) => UserRecord | null): Promise<UserChange>;

  createSession(session: SessionRecord): Promise<void>;
  /** Null for an unknown or expired session (`now` decides expiry). */
  getSession(id: string, now: string): Promise<SessionRecord | null>;
  deleteSession(id: string): Promise<void>;
  /** Logs a user out everywhere (password change, disable); returns how many sessions were deleted. */
  deleteSessionsOf(username: string): Promise<number>;

  /** False when the id or the hash is already used. */
  createToken(token: ApiTokenRecord): Promise<boolean>;
  getTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null>;
  /** Oldest first. */
  listTokens(): Promise<ApiTokenRecord[]>;
  /** Revokes: the token stops working at once. False when there was no such token. */
  deleteToken(id: string): Promise<boolean>;
  /** Records use; no-op for an unknown id. */
  touchToken(id: string, lastUsedAt: string): Promise<void>;

  close(): Promise<void>;
}

/**
 * The AuthStore on Deno KV. Users, sessions and tokens are few, so lists are plain prefix scans. Pointer
 * indexes (sessions of a user, token by hash) are written in the same `kv.atomic()` as what they point to.
 *
 * @example
 * ```ts ignore
 * const auth = await openKvAuthStore(":memory:");
 * await auth.countUsers(); // 0
 * await auth.close();
 * ```
 */
import {
  type ApiTokenRecord,
  type AuthStore,
  isActiveAdmin,
  keepsAnAdmin,
  type SessionRecord,
  type UserChange,
  type UserRecord,
} from "../auth.ts";
import { openKvHandle } from "./handle.ts";

/** Opens the AuthStore on a KV handle of its own (tests); the server shares one handle (store/open.ts). */
export async function openKvAuthStore(path?: string): Promise<KvAuthStore> {
  return new KvAuthStore(await openKvHandle(path));
}

/** An AuthStore on a Deno KV handle it owns: `close()` closes the handle. */
export class KvAuthStore implements AuthStore {
  readonly #kv: Deno.Kv;
  #closed = false;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#kv.close();
    }
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- users

  async countUsers(): Promise<number> {
    let n = 0;
    for await (const _ of this.#kv.list({ prefix: ["auth_user"] })) n++;
    return n;
  }

  async getUser(username: string): Promise<UserRecord | null> {
    return (await this.#kv.get<UserRecord>(["auth_user", username])).value;
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const key = ["auth_user", user.username];
    const res = await this.#kv.atomic().check({ key, versionstamp: null }).set(key, user).commit();
    return res.ok;
  }

  async updateUser(user: UserRecord): Promise<boolean> {
    for (;;) {
      const entry = await this.#kv.get<UserRecord>(["auth_user", user.username]);
      if (entry.versionstamp === null) return false;
      const res = await this.#kv.atomic().check(entry).set(entry.key, user).commit();
      if (res.ok) return true;
    }
  }

  async deleteUser(username: string): Promise<boolean> {
    await this.deleteSessionsOf(username);
    for (;;) {
      const entry = await this.#kv.get(["auth_user", username]);
      if (entry.versionstamp === null) return false;
      const res = await this.#kv.atomic().check(entry).delete(entry.key).commit();
      if (res.ok) return true;
    }
  }

  async changeUser(username: string, change: (user: UserRecord) => UserRecord | null): Promise<UserChange> {
    for (;;) {
      const entries: Deno.KvEntry<UserRecord>[] = [];
      for await (const e of this.#kv.list<UserRecord>({ prefix: ["auth_user"] })) entries.push(e);
      const entry = entries.find((e) => e.value.username === username);
      if (!entry) return { ok: false, reason: "missing" };
      const before = entry.value;
      const after = change(before);
      const others = entries.filter((e) => e !== entry);
      if (!keepsAnAdmin(others.map((e) => e.value), before, after)) return { ok: false, reason: "lastAdmin" };
      const op = this.#kv.atomic().check(entry);
      if (isActiveAdmin(before) && !(after !== null && isActiveAdmin(after))) {
        // The admins counted on must still be admins when this commits (one may be leaving meanwhile). An
        // atomic holds 100 checks: beyond 90 other admins, 90 of them leaving at once is not a worry.
        for (const e of others.filter((o) => isActiveAdmin(o.value)).slice(0, 90)) op.check(e);
      }
      if (after === null) op.delete(entry.key);
      else op.set(entry.key, after);
      if (!(await op.commit()).ok) continue;
      if (after === null) await this.deleteSessionsOf(username);
      return { ok: true, before, after };
    }
  }

  async listUsers(): Promise<UserRecord[]> {
    const out: UserRecord[] = [];
    for await (const entry of this.#kv.list<UserRecord>({ prefix: ["auth_user"] })) out.push(entry.value);
    return out;
  }

  // ---------------------------------------------------------------- sessions

  async createSession(session: SessionRecord): Promise<void> {
    // KV drops expired sessions on its own; getSession still checks the time (expiry is lazy).
    const expireIn = Math.max(1, Date.parse(session.expiresAt) - Date.now());
    await this.#kv.atomic()
      .set(["auth_session", session.id], session, { expireIn })
      .set(["auth_session_by_user", session.username, session.id], session.id, { expireIn })
      .commit();
  }

  async getSession(id: string, now: string): Promise<SessionRecord | null> {
    const session = (await this.#kv.get<SessionRecord>(["auth_session", id])).value;
    if (!session || session.expiresAt <= now) return null;
    return session;
  }

  async deleteSession(id: string): Promise<void> {
    const entry = await this.#kv.get<SessionRecord>(["auth_session", id]);
    const op = this.#kv.atomic().delete(["auth_session", id]);
    if (entry.value) op.delete(["auth_session_by_user", entry.value.username, id]);
    await op.commit();
  }

  async deleteSessionsOf(username: string): Promise<number> {
    let n = 0;
    for await (const entry of this.#kv.list<string>({ prefix: ["auth_session_by_user", username] })) {
      await this.#kv.atomic().delete(entry.key).delete(["auth_session", entry.value]).commit();
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------- tokens

  async createToken(token: ApiTokenRecord): Promise<boolean> {
    const key = ["auth_token", token.id];
    const byHash = ["auth_token_hash", token.tokenHash];
    const res = await this.#kv.atomic()
      .check({ key, versionstamp: null }, { key: byHash, versionstamp: null })
      .set(key, token)
      .set(byHash, token.id)
      .commit();
    return res.ok;
  }

  async getTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    const pointer = await this.#kv.get<string>(["auth_token_hash", tokenHash]);
    if (pointer.value === null) return null;
    return (await this.#kv.get<ApiTokenRecord>(["auth_token", pointer.value])).value;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    const out: ApiTokenRecord[] = [];
    for await (const entry of this.#kv.list<ApiTokenRecord>({ prefix: ["auth_token"] })) {
      out.push(entry.value);
    }
    return out.sort((a, b) => a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0);
  }

  async deleteToken(id: string): Promise<boolean> {
    for (;;) {
      const entry = await this.#kv.get<ApiTokenRecord>(["auth_token", id]);
      if (entry.value === null) return false;
      const res = await this.#kv.atomic()
        .check(entry)
        .delete(entry.key)
        .delete(["auth_token_hash", entry.value.tokenHash])
        .commit();
      if (res.ok) return true;
    }
  }

  async touchToken(id: string, lastUsedAt: string): Promise<void> {
    for (;;) {
      const entry = await this.#kv.get<ApiTokenRecord>(["auth_token", id]);
      if (entry.value === null) return;
      const res = await this.#kv.atomic().check(entry).set(entry.key, { ...entry.value, lastUsedAt })
        .commit();
      if (res.ok) return;
    }
  }
}

/**
 * The AuthStore on PostgreSQL (tables from migration 003). It opens its own small pool, so the Store and the
 * AuthStore close independently; `openPostgresAuthStore` also applies pending migrations (the same advisory
 * lock as the Store's start-up, so running both at once is safe).
 *
 * @example
 * ```ts ignore
 * const auth = await openPostgresAuthStore("postgres://postgres@127.0.0.1:5432/csms");
 * await auth.countUsers();
 * await auth.close();
 * ```
 */
import type { Sql } from "postgres";
import {
  type ApiTokenRecord,
  type AuthStore,
  keepsAnAdmin,
  type Role,
  type SessionRecord,
  type UserChange,
  type UserRecord,
} from "../auth.ts";
import { boundedCalls } from "./bounded_calls.ts";
import { openMigratedPool } from "./migrate.ts";

export interface PostgresAuthStoreOptions {
  /** Pool size (default 3: logins and token checks are short). */
  maxConnections?: number;
  /** Apply pending migrations when opening (default true). */
  migrate?: boolean;
  /** Bound on each call (default 10 s): a connection that stops answering fails it. */
  callTimeoutMs?: number;
}

export async function openPostgresAuthStore(
  url: string,
  options: PostgresAuthStoreOptions = {},
): Promise<PostgresAuthStore> {
  const sql = await openMigratedPool(url, {
    maxConnections: options.maxConnections ?? 3,
    applicationName: "ocpp-csms-auth",
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
  });
  return boundedCalls(new PostgresAuthStore(sql), "auth", options.callTimeoutMs);
}

interface UserRow {
  username: string;
  role: Role;
  password_hash: string;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

interface SessionRow {
  id: string;
  username: string;
  created_at: Date;
  expires_at: Date;
}

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  token_hash: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

function toUser(r: UserRow): UserRecord {
  return {
    username: r.username,
    role: r.role,
    passwordHash: r.password_hash,
    disabled: r.disabled,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function toToken(r: TokenRow): ApiTokenRecord {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    tokenHash: r.token_hash,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    expiresAt: isoOrNull(r.expires_at),
    lastUsedAt: isoOrNull(r.last_used_at),
  };
}

/** An AuthStore on a pool it owns: `close()` ends the pool. */
export class PostgresAuthStore implements AuthStore {
  readonly #sql: Sql;
  #closed = false;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sql.end({ timeout: 5 });
  }

  // ---------------------------------------------------------------- users

  async countUsers(): Promise<number> {
    const [row] = await this.#sql<{ n: number }[]>`select count(*)::int as n from auth_users`;
    return row?.n ?? 0;
  }

  async getUser(username: string): Promise<UserRecord | null> {
    const rows = await this.#sql<UserRow[]>`select * from auth_users where username = ${username}`;
    return rows[0] ? toUser(rows[0]) : null;
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const sql = this.#sql;
    const result = await sql`
      insert into auth_users ${
      sql(
        {
          username: user.username,
          role: user.role,
          password_hash: user.passwordHash,
          disabled: user.disabled,
          created_at: user.createdAt,
          updated_at: user.updatedAt,
        },
        "username",
        "role",
        "password_hash",
        "disabled",
        "created_at",
        "updated_at",
      )
    }
      on conflict (username) do nothing
    `;
    return result.count === 1;
  }

  async updateUser(user: UserRecord): Promise<boolean> {
    const result = await this.#sql`
      update auth_users
      set role = ${user.role}, password_hash = ${user.passwordHash}, disabled = ${user.disabled},
          created_at = ${user.createdAt}, updated_at = ${user.updatedAt}
      where username = ${user.username}
    `;
    return result.count === 1;
  }

  async deleteUser(username: string): Promise<boolean> {
    // Sessions go with the user (on delete cascade).
    const result = await this.#sql`delete from auth_users where username = ${username}`;
    return result.count === 1;
  }

  async changeUser(username: string, change: (user: UserRecord) => UserRecord | null): Promise<UserChange> {
    return await this.#sql.begin(async (tx): Promise<UserChange> => {
      // Every user row locked: a concurrent change waits, then reads what this one wrote.
      const users = (await tx<UserRow[]>`select * from auth_users order by username for update`).map(toUser);
      const before = users.find((u) => u.username === username);
      if (!before) return { ok: false, reason: "missing" };
      const after = change(before);
      const others = users.filter((u) => u !== before);
      if (!keepsAnAdmin(others, before, after)) return { ok: false, reason: "lastAdmin" };
      if (after === null) await tx`delete from auth_users where username = ${username}`;
      else {
        await tx`
          update auth_users
          set role = ${after.role}, password_hash = ${after.passwordHash}, disabled = ${after.disabled},
              created_at = ${after.createdAt}, updated_at = ${after.updatedAt}
          where username = ${username}
        `;
      }
      return { ok: true, before, after };
    });
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.#sql<UserRow[]>`select * from auth_users order by username`;
    return rows.map(toUser);
  }

  // ---------------------------------------------------------------- sessions

  async createSession(session: SessionRecord): Promise<void> {
    const sql = this.#sql;
    await sql.begin(async (tx) => {
      // Expired sessions are cleared as new ones are made, so the table does not grow without bound.
      await tx`delete from auth_sessions where expires_at <= ${session.createdAt}`;
      await tx`
        insert into auth_sessions (id, username, created_at, expires_at)
        values (${session.id}, ${session.username}, ${session.createdAt}, ${session.expiresAt})
      `;
    });
  }

  async getSession(id: string, now: string): Promise<SessionRecord | null> {
    const rows = await this.#sql<SessionRow[]>`
      select * from auth_sessions where id = ${id} and expires_at > ${now}
    `;
    const r = rows[0];
    return r
      ? { id: r.id, username: r.username, createdAt: iso(r.created_at), expiresAt: iso(r.expires_at) }
      : null;
  }

  async deleteSession(id: string): Promise<void> {
    await this.#sql`delete from auth_sessions where id = ${id}`;
  }

  async deleteSessionsOf(username: string): Promise<number> {
    const result = await this.#sql`delete from auth_sessions where username = ${username}`;
    return result.count;
  }

  // ---------------------------------------------------------------- tokens

  async createToken(token: ApiTokenRecord): Promise<boolean> {
    const result = await this.#sql`
      insert into auth_tokens (id, name, role, token_hash, created_by, created_at, expires_at, last_used_at)
      values (${token.id}, ${token.name}, ${token.role}, ${token.tokenHash}, ${token.createdBy},
              ${token.createdAt}, ${token.expiresAt}, ${token.lastUsedAt})
      on conflict do nothing
    `;
    return result.count === 1;
  }

  async getTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    const rows = await this.#sql<TokenRow[]>`select * from auth_tokens where token_hash = ${tokenHash}`;
    return rows[0] ? toToken(rows[0]) : null;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    const rows = await this.#sql<TokenRow[]>`select * from auth_tokens order by created_at, id`;
    return rows.map(toToken);
  }

  async deleteToken(id: string): Promise<boolean> {
    const result = await this.#sql`delete from auth_tokens where id = ${id}`;
    return result.count === 1;
  }

  async touchToken(id: string, lastUsedAt: string): Promise<void> {
    await this.#sql`update auth_tokens set last_used_at = ${lastUsedAt} where id = ${id}`;
  }
}

/**
 * The AuthStore contract: every behaviour of the AuthStore JSDoc as `Deno.test` cases, run against each
 * implementation (`kv/auth_test.ts`, `postgres/auth_test.ts`).
 *
 * @example
 * ```ts ignore
 * import { authStoreContract } from "./auth.ts";
 * import { openKvAuthStore } from "../kv/auth.ts";
 * authStoreContract("kv", async () => ({ store: await openKvAuthStore(":memory:"), cleanup: async () => {} }));
 * ```
 */
import { assert, assertEquals } from "@std/assert";
import type { ApiTokenRecord, AuthStore, SessionRecord, UserRecord } from "../auth.ts";

export interface AuthContractHandle {
  /** A fresh, empty store. The suite closes it. */
  store: AuthStore;
  /** Removes the backing resources, after the store is closed. */
  cleanup: () => Promise<void>;
}

const T0 = "2024-05-01T10:00:00.000Z";

function user(username: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    username,
    role: "viewer",
    passwordHash: `pbkdf2-sha256$1$c2FsdA$aGFzaA-${username}`,
    disabled: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** A session expiring `hours` after now (the KV backend really expires keys, so keep it in the future). */
function session(id: string, username: string, hours = 1): SessionRecord {
  const now = Date.now();
  return {
    id,
    username,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + hours * 3_600_000).toISOString(),
  };
}

function token(id: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id,
    name: `token ${id}`,
    role: "operator",
    tokenHash: `hash-${id}`,
    createdBy: "root",
    createdAt: T0,
    expiresAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

export function authStoreContract(
  name: string,
  open: () => Promise<AuthContractHandle>,
  options: { ignore?: boolean } = {},
): void {
  function test(title: string, fn: (store: AuthStore) => Promise<void>): void {
    Deno.test({
      name: `auth ${name}: ${title}`,
      ignore: options.ignore ?? false,
      fn: async () => {
        const handle = await open();
        try {
          await fn(handle.store);
        } finally {
          try {
            await handle.store.close();
          } finally {
            await handle.cleanup();
          }
        }
      },
    });
  }

  test("createUser() adds a user once and refuses a taken username", async (store) => {
    assertEquals(await store.countUsers(), 0);
    assertEquals(await store.createUser(user("alice", { role: "admin" })), true);
    assertEquals(await store.createUser(user("alice", { role: "viewer" })), false);
    assertEquals(await store.countUsers(), 1);
    assertEquals(await store.getUser("alice"), user("alice", { role: "admin" }));
    assertEquals(await store.getUser("bob"), null);
  });

  test("updateUser() replaces an existing user and refuses an unknown one", async (store) => {
    await store.createUser(user("alice"));
    const changed = user("alice", {
      role: "operator",
      disabled: true,
      updatedAt: "2024-05-02T00:00:00.000Z",
    });
    assertEquals(await store.updateUser(changed), true);
    assertEquals(await store.getUser("alice"), changed);
    assertEquals(await store.updateUser(user("ghost")), false);
    assertEquals(await store.getUser("ghost"), null);
  });

  test("changeUser() writes change(stored), deletes on null with the sessions, and reports an unknown user", async (store) => {
    await store.createUser(user("alice"));
    await store.createSession(session("s1", "alice"));
    const changed = await store.changeUser("alice", (u) => ({ ...u, role: "operator" }));
    assertEquals(changed, { ok: true, before: user("alice"), after: user("alice", { role: "operator" }) });
    assertEquals((await store.getUser("alice"))?.role, "operator");
    assertEquals(await store.changeUser("ghost", (u) => u), { ok: false, reason: "missing" });
    assertEquals(await store.getUser("ghost"), null);
    assertEquals((await store.changeUser("alice", () => null)).ok, true);
    assertEquals(await store.getUser("alice"), null);
    assertEquals(await store.getSession("s1", new Date().toISOString()), null);
  });

  test("changeUser() never leaves no active admin: demoting, disabling or deleting the last is refused", async (store) => {
    await store.createUser(user("root", { role: "admin" }));
    await store.createUser(user("bob"));
    const last = { ok: false, reason: "lastAdmin" };
    assertEquals(await store.changeUser("root", (u) => ({ ...u, role: "operator" })), last);
    assertEquals(await store.changeUser("root", (u) => ({ ...u, disabled: true })), last);
    assertEquals(await store.changeUser("root", () => null), last);
    assertEquals(await store.getUser("root"), user("root", { role: "admin" }));
    // With a second active admin, the first may go.
    assertEquals((await store.changeUser("bob", (u) => ({ ...u, role: "admin" }))).ok, true);
    assertEquals((await store.changeUser("root", () => null)).ok, true);
    assertEquals(await store.changeUser("bob", () => null), last);
  });

  test("changeUser(): two admins demoting each other at once, one wins and an admin is left", async (store) => {
    for (let round = 0; round < 5; round++) {
      for (const name of ["alice", "bob"]) {
        await store.deleteUser(name);
        await store.createUser(user(name, { role: "admin" }));
      }
      const results = await Promise.all(
        ["alice", "bob"].map((name) => store.changeUser(name, (u) => ({ ...u, role: "viewer" }))),
      );
      assertEquals(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
      const admins = (await store.listUsers()).filter((u) => u.role === "admin");
      assertEquals(admins.length, 1);
    }
  });

  test("changeUser(): changes of different fields at once are both kept", async (store) => {
    await store.createUser(user("root", { role: "admin" }));
    await store.createUser(user("alice"));
    await Promise.all([
      store.changeUser("alice", (u) => ({ ...u, role: "operator" })),
      store.changeUser("alice", (u) => ({ ...u, disabled: true })),
    ]);
    const stored = await store.getUser("alice");
    assertEquals([stored?.role, stored?.disabled], ["operator", true]);
  });

  test("listUsers() sorts by username in code point order", async (store) => {
    for (const name of ["bob", "Zed", "alice", "éva"]) await store.createUser(user(name));
    assertEquals((await store.listUsers()).map((u) => u.username), ["Zed", "alice", "bob", "éva"]);
  });

  test("deleteUser() removes the user and its sessions, and reports an unknown user", async (store) => {
    await store.createUser(user("alice"));
    await store.createUser(user("bob"));
    await store.createSession(session("s1", "alice"));
    await store.createSession(session("s2", "bob"));
    const now = new Date().toISOString();
    assertEquals(await store.deleteUser("alice"), true);
    assertEquals(await store.deleteUser("alice"), false);
    assertEquals(await store.getUser("alice"), null);
    assertEquals(await store.getSession("s1", now), null);
    assertEquals((await store.getSession("s2", now))?.username, "bob");
    assertEquals(await store.countUsers(), 1);
  });

  test("getSession() returns a live session and null once it has expired", async (store) => {
    await store.createUser(user("alice"));
    const s = session("s1", "alice");
    await store.createSession(s);
    assertEquals(await store.getSession("s1", s.createdAt), s);
    assertEquals(await store.getSession("s1", s.expiresAt), null);
    assertEquals(await store.getSession("nope", s.createdAt), null);
  });

  test("deleteSession() logs one session out; deleteSessionsOf() logs a user out everywhere", async (store) => {
    await store.createUser(user("alice"));
    await store.createUser(user("bob"));
    for (const id of ["a1", "a2", "a3"]) await store.createSession(session(id, "alice"));
    await store.createSession(session("b1", "bob"));
    const now = new Date().toISOString();
    await store.deleteSession("a1");
    await store.deleteSession("missing");
    assertEquals(await store.getSession("a1", now), null);
    assertEquals(await store.deleteSessionsOf("alice"), 2);
    assertEquals(await store.getSession("a2", now), null);
    assertEquals(await store.getSession("a3", now), null);
    assert(await store.getSession("b1", now));
    assertEquals(await store.deleteSessionsOf("alice"), 0);
  });

  test("createToken() refuses a reused id or hash; getTokenByHash() finds it", async (store) => {
    assertEquals(await store.createToken(token("t1")), true);
    assertEquals(await store.createToken(token("t1", { tokenHash: "other" })), false);
    assertEquals(await store.createToken(token("t2", { tokenHash: "hash-t1" })), false);
    assertEquals(await store.getTokenByHash("hash-t1"), token("t1"));
    assertEquals(await store.getTokenByHash("hash-t2"), null);
    assertEquals((await store.listTokens()).length, 1);
  });

  test("listTokens() is oldest first; touchToken() records use; deleteToken() revokes", async (store) => {
    await store.createToken(token("t-late", { createdAt: "2024-05-03T00:00:00.000Z" }));
    await store.createToken(token("t-early", { createdAt: "2024-05-02T00:00:00.000Z", expiresAt: T0 }));
    assertEquals((await store.listTokens()).map((t) => t.id), ["t-early", "t-late"]);
    await store.touchToken("t-late", "2024-06-01T00:00:00.000Z");
    await store.touchToken("unknown", "2024-06-01T00:00:00.000Z");
    assertEquals((await store.getTokenByHash("hash-t-late"))?.lastUsedAt, "2024-06-01T00:00:00.000Z");
    assertEquals((await store.getTokenByHash("hash-t-early"))?.expiresAt, T0);
    assertEquals(await store.deleteToken("t-late"), true);
    assertEquals(await store.deleteToken("t-late"), false);
    assertEquals(await store.getTokenByHash("hash-t-late"), null);
    assertEquals((await store.listTokens()).map((t) => t.id), ["t-early"]);
  });
}

/**
 * Operator accounts for admins: add a user, change a role, disable or enable, set a new password, delete. The
 * API keeps the rules (the last active admin cannot be removed; a disabled user's sessions and tokens stop).
 */
import { useState } from "preact/hooks";
import { Time, TzLabel } from "../components/time.tsx";
import type { Role, User } from "../components/types.ts";
import { apiFetch } from "./client.tsx";
import { ResultLine, ROLES, RoleSelect, useAction } from "./admin_kit.tsx";

export interface UserManagerProps {
  users: User[];
  /** Who is looking: they are warned before demoting or disabling themselves. */
  me: string;
}

const ROLE_HINT: Record<Role, string> = {
  viewer: "reads everything",
  operator: "also sends commands",
  admin: "also manages users, tokens, id tags, registration and station security",
};

export default function UserManager(props: UserManagerProps) {
  const [users, setUsers] = useState(props.users);
  const [draft, setDraft] = useState({ username: "", role: "operator" as Role, password: "" });
  const [passwords, setPasswords] = useState<Record<string, string>>({});
  const { busy, result, run } = useAction();
  const path = (name: string) => `/api/v1/users/${encodeURIComponent(name)}`;
  const replace = (user: User) =>
    setUsers((list) => list.map((u) => (u.username === user.username ? user : u)));

  const add = (e: Event) => {
    e.preventDefault();
    void run(`User ${draft.username} created`, async () => {
      const created = await apiFetch<User>("/api/v1/users", {
        method: "POST",
        body: { username: draft.username.trim(), role: draft.role, password: draft.password },
      });
      setUsers((list) => [...list, created].sort((a, b) => (a.username < b.username ? -1 : 1)));
      setDraft({ username: "", role: "operator", password: "" });
    });
  };

  const patch = (user: User, body: Record<string, unknown>, label: string) =>
    void run(
      label,
      async () => replace(await apiFetch<User>(path(user.username), { method: "PATCH", body })),
    );

  return (
    <div>
      <form class="inline-form card" onSubmit={add} aria-label="Add a user">
        <h2>Add a user</h2>
        <label>
          Username
          <input
            name="username"
            required
            maxLength={64}
            pattern="[A-Za-z0-9._@\-]+"
            title="Letters, digits and . _ @ -"
            autoComplete="off"
            value={draft.username}
            onInput={(e) => setDraft({ ...draft, username: e.currentTarget.value })}
          />
        </label>
        <RoleSelect
          value={draft.role}
          onChange={(role) => setDraft({ ...draft, role })}
          hint={(r) => ROLE_HINT[r]}
        />
        <label>
          Password <span class="small">(at least 8 characters)</span>
          <input
            name="password"
            type="password"
            required
            minLength={8}
            autoComplete="new-password"
            value={draft.password}
            onInput={(e) => setDraft({ ...draft, password: e.currentTarget.value })}
          />
        </label>
        <button type="submit" disabled={busy}>Add user</button>
      </form>
      <ResultLine result={result} />
      <table class="table" aria-label="Users">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col">
              Created (<TzLabel />)
            </th>
            <th scope="col">New password</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.username} data-user={u.username} data-role={u.role} data-disabled={String(u.disabled)}>
              <td data-label="User">
                <strong>{u.username}</strong>{" "}
                {u.username === props.me && <span class="muted small">(you)</span>}
              </td>
              <td data-label="Role">
                <select
                  aria-label={`Role of ${u.username}`}
                  value={u.role}
                  disabled={busy}
                  onChange={(e) => {
                    const role = e.currentTarget.value as Role;
                    if (
                      u.username === props.me && role !== "admin" &&
                      !confirm("Demote yourself? You lose this page.")
                    ) {
                      e.currentTarget.value = u.role;
                      return;
                    }
                    patch(u, { role }, `${u.username} is now ${role}`);
                  }}
                >
                  {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                </select>
              </td>
              <td data-label="State">
                {u.disabled ? <span class="badge bad">disabled</span> : <span class="badge ok">active</span>}
              </td>
              <td data-label="Created">
                <Time iso={u.createdAt} />
              </td>
              <td data-label="New password">
                <span class="inline-edit">
                  <input
                    type="password"
                    aria-label={`New password for ${u.username}`}
                    minLength={8}
                    autoComplete="new-password"
                    value={passwords[u.username] ?? ""}
                    onInput={(e) =>
                      setPasswords({ ...passwords, [u.username]: e.currentTarget.value })}
                  />
                  <button
                    type="button"
                    disabled={busy || (passwords[u.username] ?? "").length === 0}
                    onClick={() => {
                      patch(
                        u,
                        { password: passwords[u.username] },
                        `Password of ${u.username} changed; signed out`,
                      );
                      setPasswords({ ...passwords, [u.username]: "" });
                    }}
                  >
                    Set
                  </button>
                </span>
              </td>
              <td data-label="Actions">
                <span class="actions">
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      patch(
                        u,
                        { disabled: !u.disabled },
                        `${u.username} ${u.disabled ? "enabled" : "disabled"}`,
                      )}
                  >
                    {u.disabled ? "Enable" : "Disable"}
                  </button>
                  <button
                    type="button"
                    class="danger"
                    disabled={busy}
                    onClick={() => {
                      if (!confirm(`Delete ${u.username}? Their API tokens stop working.`)) {
                        return;
                      }
                      void run(`${u.username} deleted`, async () => {
                        await apiFetch(path(u.username), { method: "DELETE" });
                        setUsers((list) =>
                          list.filter((x) =>
                            x.username !== u.username
                          )
                        );
                      });
                    }}
                  >
                    Delete
                  </button>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

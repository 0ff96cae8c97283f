/**
 * API tokens for admins: make one for a machine (name, role, optional expiry), see its secret once, revoke it.
 * The list never shows secrets (the store keeps only their digests).
 */
import { useState } from "preact/hooks";
import { Time, TzLabel } from "../components/time.tsx";
import type { ApiToken, Role } from "../components/types.ts";
import { apiFetch } from "./client.tsx";
import { ResultLine, RoleSelect, useAction } from "./admin_kit.tsx";

export interface TokenManagerProps {
  tokens: ApiToken[];
}

export default function TokenManager(props: TokenManagerProps) {
  const [tokens, setTokens] = useState(props.tokens);
  const [draft, setDraft] = useState({ name: "", role: "viewer" as Role, expires: "" });
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const { busy, result, run } = useAction();

  const add = (e: Event) => {
    e.preventDefault();
    setSecret(null);
    void run(`Token ${draft.name} created`, async () => {
      const expiresAt = draft.expires ? new Date(`${draft.expires}T23:59:59Z`).toISOString() : undefined;
      const created = await apiFetch<ApiToken & { token: string }>("/api/v1/tokens", {
        method: "POST",
        body: { name: draft.name.trim(), role: draft.role, ...(expiresAt ? { expiresAt } : {}) },
      });
      const { token, ...view } = created;
      setTokens((list) => [...list, view]);
      setSecret({ name: view.name, token });
      setCopied(false);
      setDraft({ name: "", role: "viewer", expires: "" });
    });
  };

  return (
    <div>
      <form class="inline-form card" onSubmit={add} aria-label="Create an API token">
        <h2>Create an API token</h2>
        <label>
          Name <span class="small">(what uses it, e.g. prometheus)</span>
          <input
            name="name"
            required
            maxLength={100}
            autoComplete="off"
            value={draft.name}
            onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
          />
        </label>
        <RoleSelect value={draft.role} onChange={(role) => setDraft({ ...draft, role })} />
        <label>
          Expires (end of day, UTC; empty: never)
          <input
            name="expires"
            type="date"
            value={draft.expires}
            onInput={(e) => setDraft({ ...draft, expires: e.currentTarget.value })}
          />
        </label>
        <button type="submit" disabled={busy}>Create token</button>
      </form>
      {secret && (
        <div class="ok-box key-once" role="alert" data-new-token>
          <strong>Copy the token for {secret.name} now: it is shown only once.</strong>
          <label>
            Send it as <code>Authorization: Bearer &lt;token&gt;</code>
            <input readOnly value={secret.token} class="mono" onFocus={(e) => e.currentTarget.select()} />
          </label>
          <button
            type="button"
            onClick={async () => {
              try {
                await navigator.clipboard.writeText(secret.token);
                setCopied(true);
              } catch {
                setCopied(false);
              }
            }}
          >
            {copied ? "Copied" : "Copy"}
          </button>
        </div>
      )}
      <ResultLine result={result} />
      {tokens.length === 0
        ? <p class="empty">No API tokens yet.</p>
        : (
          <table class="table" aria-label="API tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created by</th>
                <th scope="col">
                  Created (<TzLabel />)
                </th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id} data-token={t.name} data-role={t.role}>
                  <td data-label="Name">
                    <strong>{t.name}</strong> <span class="muted small mono">{t.id}</span>
                  </td>
                  <td data-label="Role">{t.role}</td>
                  <td data-label="Created by">{t.createdBy}</td>
                  <td data-label="Created">
                    <Time iso={t.createdAt} />
                  </td>
                  <td data-label="Expires">{t.expiresAt ? <Time iso={t.expiresAt} /> : "never"}</td>
                  <td data-label="Last used">{t.lastUsedAt ? <Time iso={t.lastUsedAt} /> : "never"}</td>
                  <td data-label="Actions">
                    <button
                      type="button"
                      class="danger"
                      disabled={busy}
                      onClick={() => {
                        if (!confirm(`Revoke ${t.name}? It stops working at once.`)) return;
                        void run(`${t.name} revoked`, async () => {
                          await apiFetch(`/api/v1/tokens/${encodeURIComponent(t.id)}`, { method: "DELETE" });
                          setTokens((list) => list.filter((x) => x.id !== t.id));
                        });
                      }}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </div>
  );
}

/**
 * A station's security settings (admins only): its profile (and a higher one it is raising to), whether it has
 * an AuthorizationKey, the addresses
 * it may connect from. Sets the profile, generates a key (shown here once), sets or clears the allow-list, or
 * resets everything to the defaults, through `/api/v1/station-security/{id}`.
 */
import { useState } from "preact/hooks";
import { Time } from "../components/time.tsx";
import type { StationSecurity } from "../components/types.ts";
import { ApiCallError, apiFetch } from "./client.tsx";

export interface StationSecurityPanelProps {
  chargePointId: string;
  settings: StationSecurity;
}

const PROFILES: Record<number, string> = {
  0: "0 · no authentication",
  1: "1 · Basic auth",
  2: "2 · TLS + Basic auth",
  3: "3 · TLS client certificate",
};

/** "10.0.0.1, 10.1.0.0/16" or one per line -> entries. */
function parseIps(text: string): string[] {
  return text.split(/[\s,]+/).map((e) => e.trim()).filter((e) => e !== "");
}

export default function StationSecurityPanel(props: StationSecurityPanelProps) {
  const [settings, setSettings] = useState(props.settings);
  const [profile, setProfile] = useState(
    props.settings.securityProfile === null ? "" : String(props.settings.securityProfile),
  );
  const [ips, setIps] = useState(props.settings.allowedIps.join("\n"));
  const [newKey, setNewKey] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const path = `/api/v1/station-security/${encodeURIComponent(props.chargePointId)}`;

  async function run(done: string, fn: () => Promise<StationSecurity>) {
    setBusy(true);
    setMessage(null);
    try {
      const next = await fn();
      setSettings(next);
      setProfile(next.securityProfile === null ? "" : String(next.securityProfile));
      setIps(next.allowedIps.join("\n"));
      setMessage({ ok: true, text: done });
    } catch (error) {
      setMessage({ ok: false, text: error instanceof ApiCallError ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  }

  const patch = (body: Record<string, unknown>) => apiFetch<StationSecurity>(path, { method: "PATCH", body });

  const setProfileNow = (e: Event) => {
    e.preventDefault();
    const value = profile === "" ? null : Number(profile);
    void run(`Security profile set to ${value ?? "the default"}`, () => patch({ securityProfile: value }));
  };

  const generate = () => {
    if (
      settings.hasAuthorizationKey &&
      !confirm(
        `Replace the AuthorizationKey of ${props.chargePointId}? A connected station is sent the new key ` +
          "and keeps the old one if it refuses it; a station that is not connected must be given the key " +
          "before it reconnects at profile 1 or 2.",
      )
    ) return;
    void run("AuthorizationKey generated", async () => {
      let answer;
      try {
        answer = await apiFetch<StationSecurity & { authorizationKey: string; delivered: boolean }>(
          `${path}/authorization-key`,
          { method: "POST" },
        );
      } catch (error) {
        // No answer from the station: the key stays pending, and it may be the one the station holds now.
        const pending = error instanceof ApiCallError ? error.details["authorizationKey"] : undefined;
        if (typeof pending === "string") {
          setNewKey(pending);
          setCopied(false);
          setSettings(await apiFetch<StationSecurity>(path));
        }
        throw error;
      }
      const { authorizationKey, delivered: _delivered, ...rest } = answer;
      setNewKey(authorizationKey);
      setCopied(false);
      return rest;
    });
  };

  const copy = async () => {
    if (newKey === null) return;
    try {
      await navigator.clipboard.writeText(newKey);
      setCopied(true);
    } catch {
      // No clipboard (an insecure origin, or denied): the field is selected for a manual copy.
      (document.getElementById("new-authorization-key") as HTMLInputElement | null)?.select();
    }
  };

  const saveIps = (e: Event) => {
    e.preventDefault();
    const list = parseIps(ips);
    void run(
      list.length ? `Allowed addresses set (${list.length})` : "Allowed addresses cleared",
      () => patch({ allowedIps: list }),
    );
  };

  const reset = () => {
    if (!confirm(`Reset the security settings of ${props.chargePointId} to the defaults?`)) return;
    setNewKey(null);
    void run("Back to the defaults", async () => {
      await apiFetch(path, { method: "DELETE" });
      return await apiFetch<StationSecurity>(path);
    });
  };

  const pending = settings.pendingAuthorizationKeys;
  const dropPending = () => {
    if (
      !confirm(
        `Forget the pending keys of ${props.chargePointId}? If the station took one, only its key works ` +
          "again until it is given that key another way.",
      )
    ) return;
    void run(
      "Pending keys forgotten",
      () => apiFetch<StationSecurity>(`${path}/pending-authorization-keys`, { method: "DELETE" }),
    );
  };

  const own = settings.securityProfile !== null;
  // Older servers' answers have no such field.
  const raise = settings.pendingSecurityProfile ?? null;
  return (
    <section class="card" aria-labelledby="security-title" data-security-panel={props.chargePointId}>
      <div class="card-head">
        <h2 id="security-title">Security</h2>
        <span class="muted small">admins only; applies from the station's next connection</span>
      </div>
      <dl class="facts">
        <div>
          <dt>Security profile</dt>
          <dd data-effective-profile={settings.effectiveProfile}>
            {PROFILES[settings.effectiveProfile]} {own ? "" : <span class="muted">(the global default)</span>}
            {raise && (
              <span class="warn" data-pending-profile={raise.profile}>
                {` · raising to ${PROFILES[raise.profile]} since `}
                <Time iso={raise.since} /> (until <Time iso={raise.expiresAt} />
                {"): the station accepted it; its first connection that meets it makes it its profile, lower " +
                  "ones are refused from then on. Setting the profile here ends the raise."}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>AuthorizationKey</dt>
          <dd data-has-key={String(settings.hasAuthorizationKey)}>
            {settings.hasAuthorizationKey ? "set" : <span class="muted">not set</span>}
            {pending.length > 0 && (
              <span class="warn" data-pending-key={pending.length}>
                {` · ${
                  pending.length === 1 ? "a new key is" : `${pending.length} new keys are`
                } pending since `}
                {/* Times as everywhere on the dashboard: UTC, or local when the operator chose it. */}
                <Time iso={pending[0]?.since} /> (until <Time iso={pending.at(-1)?.expiresAt} />
                {"): the station may connect with one of them or its key; its first connection with a new one " +
                  "makes it the key "}
                <button type="button" class="link" onClick={dropPending} disabled={busy}>
                  Forget pending keys
                </button>
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Allowed addresses</dt>
          <dd class="mono" data-allowed-ips>
            {settings.allowedIps.length ? settings.allowedIps.join(", ") : <span class="muted">any</span>}
          </dd>
        </div>
        <div>
          <dt>Last changed</dt>
          <dd>
            {settings.updatedAt
              ? `${settings.updatedAt.slice(0, 19).replace("T", " ")} by ${settings.updatedBy ?? "?"}`
              : <span class="muted">never</span>}
          </dd>
        </div>
      </dl>

      {newKey !== null && (
        <div class="ok-box key-once" data-new-key>
          <label>
            New AuthorizationKey for {props.chargePointId}
            <input
              id="new-authorization-key"
              class="mono"
              readOnly
              value={newKey}
              size={44}
              onFocus={(e) => e.currentTarget.select()}
            />
          </label>
          <div class="actions">
            <button type="button" onClick={() => void copy()}>{copied ? "Copied" : "Copy"}</button>
            <button type="button" class="link" onClick={() => setNewKey(null)}>Hide</button>
          </div>
          <p class="small">
            Copy it now: it is shown only this once (the server keeps a hash). Give it to the station (its
            AuthorizationKey setting, e.g. ChangeConfiguration) before a profile 1 or 2 applies.
          </p>
        </div>
      )}

      <form class="inline-form" onSubmit={setProfileNow}>
        <label>
          Security profile
          <select value={profile} onChange={(e) => setProfile(e.currentTarget.value)}>
            <option value="">Global default</option>
            {[0, 1, 2, 3].map((p) => <option key={p} value={String(p)}>{PROFILES[p]}</option>)}
          </select>
        </label>
        <button type="submit" disabled={busy}>Set profile</button>
        <button type="button" onClick={generate} disabled={busy}>Generate AuthorizationKey</button>
      </form>
      <p class="muted small">Profiles 1 and 2 need an AuthorizationKey: generate one first.</p>

      <form class="inline-form security-ips" onSubmit={saveIps}>
        <label>
          Allowed addresses (IPs or CIDR ranges; empty: any)
          <textarea
            class="mono"
            rows={2}
            value={ips}
            onInput={(e) => setIps(e.currentTarget.value)}
            placeholder="10.0.0.5, 10.1.0.0/16"
          />
        </label>
        <button type="submit" disabled={busy}>Save addresses</button>
        <button
          type="button"
          disabled={busy || settings.allowedIps.length === 0}
          onClick={() => void run("Allowed addresses cleared", () => patch({ allowedIps: [] }))}
        >
          Clear addresses
        </button>
      </form>

      <div class="actions">
        <button type="button" class="danger" disabled={busy || !settings.configured} onClick={reset}>
          Reset to defaults
        </button>
      </div>
      <div role="status" aria-live="polite">
        {message && <p class={message.ok ? "ok-text" : "error-text"}>{message.text}</p>}
      </div>
    </section>
  );
}

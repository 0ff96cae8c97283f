/**
 * Operators: create a site, or change one's name, grid limit and stations (and delete it), through
 * `PUT|DELETE /api/v1/sites/{siteId}`. Errors are the API's own sentences (a station already in another site,
 * a bad limit).
 */
import { useState } from "preact/hooks";
import type { Site } from "../components/types.ts";
import { ApiCallError, apiFetch } from "./client.tsx";

export interface SiteFormProps {
  /** null: a new site. */
  site: Site | null;
  /** Told after a save (when embedded in another island); a new site opens its page instead. */
  onSaved?: (site: Site) => void;
}

export default function SiteForm(props: SiteFormProps) {
  const { site } = props;
  const [siteId, setSiteId] = useState(site?.siteId ?? "");
  const [name, setName] = useState(site?.name ?? "");
  const [limit, setLimit] = useState(site ? String(site.maxCurrentA) : "");
  const [stations, setStations] = useState(site?.chargePointIds.join("\n") ?? "");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const path = `/api/v1/sites/${encodeURIComponent(siteId.trim())}`;
  const failed = (error: unknown) =>
    setMessage({ ok: false, text: error instanceof ApiCallError ? error.message : String(error) });

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const saved = await apiFetch<Site>(path, {
        method: "PUT",
        body: {
          name,
          maxCurrentA: Number(limit),
          chargePointIds: stations.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean),
        },
      });
      if (!site) return location.assign(`/sites/${encodeURIComponent(saved.siteId)}`);
      props.onSaved?.(saved);
      setMessage({
        ok: true,
        text: `Saved: ${saved.maxCurrentA} A for ${saved.chargePointIds.length} stations`,
      });
    } catch (error) {
      failed(error);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!site || !confirm(`Delete site "${site.name}"? Its stations are no longer load-managed.`)) return;
    setBusy(true);
    try {
      await apiFetch(path, { method: "DELETE" });
      location.assign("/sites");
    } catch (error) {
      failed(error);
      setBusy(false);
    }
  };

  return (
    <form class="card inline-form" onSubmit={save} aria-labelledby="site-form-title">
      <h2 id="site-form-title">{site ? "Settings" : "New site"}</h2>
      {!site && (
        <label>
          Site id
          <input
            name="siteId"
            value={siteId}
            onInput={(e) => setSiteId(e.currentTarget.value)}
            required
            pattern="[A-Za-z0-9._\-]{1,64}"
            autoComplete="off"
          />
        </label>
      )}
      <label>
        Name
        <input
          name="name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          required
          maxLength={100}
        />
      </label>
      <label>
        Grid limit (A per phase)
        <input
          name="maxCurrentA"
          type="number"
          min="0"
          step="0.1"
          value={limit}
          onInput={(e) => setLimit(e.currentTarget.value)}
          required
        />
      </label>
      <label>
        Stations (one per line)
        <textarea
          name="chargePointIds"
          rows={3}
          value={stations}
          onInput={(e) => setStations(e.currentTarget.value)}
        />
      </label>
      <span class="actions">
        <button type="submit" disabled={busy}>{site ? "Save" : "Create"}</button>
        {site && <button type="button" class="danger" disabled={busy} onClick={remove}>Delete site</button>}
      </span>
      <div role="status" aria-live="polite">
        {message && <p class={message.ok ? "ok-text" : "error-text"}>{message.text}</p>}
      </div>
    </form>
  );
}

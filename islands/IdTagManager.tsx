/**
 * Id tags: add one, block or unblock, set or clear the expiry, delete (admins); everyone may read. Tags stations
 * presented that are not stored are listed too: "Add…" puts one in the form, "Dismiss" takes it off the list.
 */
import { Time, TzLabel } from "../components/time.tsx";
import { useRef, useState } from "preact/hooks";
import type { IdTag, Page, UnknownIdTag } from "../components/types.ts";
import { sameIdTag } from "../model/id_tag_key.ts";
import { ApiCallError, apiFetch } from "./client.tsx";
import { useServerNow } from "./server_clock.ts";

export interface IdTagManagerProps {
  items: IdTag[];
  /** Tags stations presented that are not stored, most recently seen first. */
  unknown: UnknownIdTag[];
  /** The server's time when the page was made: a tag's expiry is judged by the server's clock. */
  serverNow: string;
  nextCursor: string | null;
  canEdit: boolean;
  pageSize: number;
  /** The OCPP 2.0.1 idToken types a tag may be given (from the server: the island carries no schema). */
  tokenTypes: readonly string[];
}

/** datetime-local (read as UTC) -> ISO, "" -> null. */
function toIso(local: string): string | null {
  if (!local.trim()) return null;
  const at = new Date(/Z$/.test(local) ? local : `${local.length === 16 ? `${local}:00` : local}Z`);
  if (Number.isNaN(at.getTime())) throw new Error(`"${local}" is not a date-time`);
  return at.toISOString();
}

const EMPTY_DRAFT = { idTag: "", status: "Accepted", expiry: "", parent: "", type: "" };

function toLocal(iso: string | null): string {
  return iso ? new Date(iso).toISOString().slice(0, 16) : "";
}

export default function IdTagManager(props: IdTagManagerProps) {
  const now = useServerNow(props.serverNow, { everyMs: 60_000 });
  const [items, setItems] = useState(props.items);
  const [cursor, setCursor] = useState(props.nextCursor);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [draft, setDraft] = useState(EMPTY_DRAFT);
  const [expiryEdits, setExpiryEdits] = useState<Record<string, string>>({});
  const [unknown, setUnknown] = useState(props.unknown);
  const tagInput = useRef<HTMLInputElement>(null);

  async function run(label: string, fn: () => Promise<void>) {
    setBusy(true);
    setMessage(null);
    try {
      await fn();
      setMessage({ ok: true, text: label });
    } catch (error) {
      setMessage({
        ok: false,
        text: error instanceof ApiCallError || error instanceof Error ? error.message : String(error),
      });
    } finally {
      setBusy(false);
    }
  }

  const replace = (tag: IdTag) => setItems((list) => list.map((t) => (t.idTag === tag.idTag ? tag : t)));
  const path = (idTag: string) => `/api/v1/id-tags/${encodeURIComponent(idTag)}`;

  const add = (e: Event) => {
    e.preventDefault();
    void run(`Added ${draft.idTag}`, async () => {
      const created = await apiFetch<IdTag>("/api/v1/id-tags", {
        method: "POST",
        body: {
          idTag: draft.idTag.trim(),
          status: draft.status,
          expiryDate: toIso(draft.expiry),
          ...(draft.parent.trim() ? { parentIdTag: draft.parent.trim() } : {}),
          ...(draft.type ? { idTokenType: draft.type } : {}),
        },
      });
      setItems((list) => [...list, created].sort((a, b) => (a.idTag < b.idTag ? -1 : 1)));
      setUnknown((list) => list.filter((u) => !sameIdTag(u.idTag, created.idTag)));
      setDraft(EMPTY_DRAFT);
    });
  };

  const more = () =>
    void run("Loaded more", async () => {
      const page = await apiFetch<Page<IdTag>>(
        `/api/v1/id-tags?limit=${props.pageSize}${cursor ? `&after=${encodeURIComponent(cursor)}` : ""}`,
      );
      setItems((list) => [...list, ...page.items]);
      setCursor(page.nextCursor);
    });

  return (
    <div>
      {props.canEdit && (
        <form class="card inline-form" onSubmit={add} aria-labelledby="add-tag-title">
          <h2 id="add-tag-title">Add an id tag</h2>
          <label>
            Id tag
            <input
              required
              maxLength={20}
              ref={tagInput}
              value={draft.idTag}
              onInput={(e) => setDraft({ ...draft, idTag: e.currentTarget.value })}
              autoComplete="off"
            />
          </label>
          <label>
            Status
            <select
              value={draft.status}
              onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}
            >
              <option>Accepted</option>
              <option>Blocked</option>
            </select>
          </label>
          <label>
            Expires (UTC, optional)
            <input
              type="datetime-local"
              value={draft.expiry}
              onInput={(e) => setDraft({ ...draft, expiry: e.currentTarget.value })}
            />
          </label>
          <label>
            Parent id tag (optional)
            <input
              maxLength={20}
              value={draft.parent}
              onInput={(e) => setDraft({ ...draft, parent: e.currentTarget.value })}
              autoComplete="off"
            />
          </label>
          <label>
            OCPP 2.0.1 type
            <select
              value={draft.type}
              onChange={(e) => setDraft({ ...draft, type: e.currentTarget.value })}
            >
              <option value="">any (sent as ISO14443)</option>
              {props.tokenTypes.map((type) => <option key={type}>{type}</option>)}
            </select>
          </label>
          <button type="submit" disabled={busy}>Add</button>
        </form>
      )}
      <div role="status" aria-live="polite">
        {message && <p class={message.ok ? "ok-text" : "error-text"}>{message.text}</p>}
      </div>
      <section class="card" aria-labelledby="unknown-tags-title">
        <h2 id="unknown-tags-title">Presented by stations, not known</h2>
        {unknown.length === 0
          ? <p class="muted">No unknown id tag was presented recently (stations answered Invalid).</p>
          : (
            <table class="table compact" aria-label="Unknown id tags">
              <thead>
                <tr>
                  <th scope="col">Id tag</th>
                  <th scope="col">Type</th>
                  <th scope="col" class="num">Times</th>
                  <th scope="col">
                    Last seen (<TzLabel />)
                  </th>
                  <th scope="col">At station</th>
                  {props.canEdit && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {unknown.map((u) => (
                  <tr key={u.idTag} data-unknown-id-tag={u.idTag}>
                    <td data-label="Id tag" class="mono">{u.idTag}</td>
                    <td data-label="Type">{u.idTokenType ?? "—"}</td>
                    <td data-label="Times" class="num">{u.count}</td>
                    <td data-label="Last seen">
                      <Time iso={u.lastSeen} />
                    </td>
                    <td data-label="At station">
                      <a href={`/stations/${encodeURIComponent(u.chargePointId)}`}>{u.chargePointId}</a>
                    </td>
                    {props.canEdit && (
                      <td data-label="Actions" class="actions">
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() => {
                            const type = u.idTokenType && props.tokenTypes.includes(u.idTokenType)
                              ? u.idTokenType
                              : "";
                            setDraft({ ...EMPTY_DRAFT, idTag: u.idTag, type });
                            tagInput.current?.focus();
                          }}
                        >
                          Add…
                        </button>
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() =>
                            void run(`${u.idTag} dismissed`, async () => {
                              await apiFetch(`/api/v1/unknown-id-tags/${encodeURIComponent(u.idTag)}`, {
                                method: "DELETE",
                              });
                              setUnknown((list) => list.filter((x) => x.idTag !== u.idTag));
                            })}
                        >
                          Dismiss
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
      {items.length === 0 ? <p class="empty">No id tags yet.</p> : (
        <table class="table" aria-label="Id tags">
          <thead>
            <tr>
              <th scope="col">Id tag</th>
              <th scope="col">Status</th>
              <th scope="col">
                Expires (<TzLabel />)
              </th>
              <th scope="col">Parent</th>
              <th scope="col" title="OCPP 2.0.1 idToken type: stations must present the tag with it">Type</th>
              <th scope="col" title="Sent to every station's local authorization list">Local list</th>
              {props.canEdit && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((t) => {
              const blocked = t.status === "Blocked";
              // By the server's clock (the one stations' tags are checked by), not a browser's that may be off.
              const expired = t.expiryDate !== null && Date.parse(t.expiryDate) < now;
              return (
                <tr key={t.idTag} data-id-tag={t.idTag}>
                  <td data-label="Id tag" class="mono">{t.idTag}</td>
                  <td data-label="Status">
                    <span
                      class={`chip tone-${
                        t.status === "Accepted" ? (expired ? "suspended" : "ok") : "fault"
                      }`}
                    >
                      {expired && t.status === "Accepted" ? "Expired" : t.status}
                    </span>
                  </td>
                  <td data-label="Expires">
                    {props.canEdit
                      ? (
                        <span class="inline-edit">
                          <input
                            type="datetime-local"
                            aria-label={`Expiry of ${t.idTag} (UTC)`}
                            value={expiryEdits[t.idTag] ?? toLocal(t.expiryDate)}
                            onInput={(e) =>
                              setExpiryEdits({ ...expiryEdits, [t.idTag]: e.currentTarget.value })}
                          />
                          <button
                            type="button"
                            disabled={busy || expiryEdits[t.idTag] === undefined}
                            onClick={() =>
                              void run(`Expiry of ${t.idTag} saved`, async () => {
                                replace(
                                  await apiFetch<IdTag>(path(t.idTag), {
                                    method: "PATCH",
                                    body: { expiryDate: toIso(expiryEdits[t.idTag] ?? "") },
                                  }),
                                );
                                const { [t.idTag]: _, ...rest } = expiryEdits;
                                setExpiryEdits(rest);
                              })}
                          >
                            Save
                          </button>
                        </span>
                      )
                      : <Time iso={t.expiryDate} />}
                  </td>
                  <td data-label="Parent" class="mono">{t.parentIdTag ?? "—"}</td>
                  <td data-label="Type">
                    {props.canEdit
                      ? (
                        <select
                          aria-label={`OCPP 2.0.1 type of ${t.idTag}`}
                          value={t.idTokenType ?? ""}
                          disabled={busy}
                          onChange={(e) => {
                            const type = e.currentTarget.value;
                            void run(`Type of ${t.idTag}: ${type || "any"}`, async () => {
                              // null removes it: any type (sent as ISO14443).
                              const body = { idTokenType: type || null };
                              replace(await apiFetch<IdTag>(path(t.idTag), { method: "PATCH", body }));
                            });
                          }}
                        >
                          <option value="">any</option>
                          {props.tokenTypes.map((type) => <option key={type}>{type}</option>)}
                        </select>
                      )
                      : (t.idTokenType ?? "any")}
                  </td>
                  <td data-label="Local list">
                    {props.canEdit
                      ? (
                        <input
                          type="checkbox"
                          aria-label={`${t.idTag} on the local list`}
                          checked={t.localList ?? false}
                          disabled={busy}
                          onChange={(e) => {
                            const on = e.currentTarget.checked;
                            // Shown at once; the answer (or the old value, if refused) follows.
                            replace({ ...t, localList: on });
                            void run(`${t.idTag} ${on ? "put on" : "taken off"} the local list`, async () => {
                              try {
                                const body = { localList: on };
                                replace(await apiFetch<IdTag>(path(t.idTag), { method: "PATCH", body }));
                              } catch (error) {
                                replace(t);
                                throw error;
                              }
                            });
                          }}
                        />
                      )
                      : (t.localList ? "yes" : "no")}
                  </td>
                  {props.canEdit && (
                    <td data-label="Actions" class="actions">
                      <button
                        type="button"
                        disabled={busy}
                        onClick={() =>
                          void run(`${t.idTag} ${blocked ? "unblocked" : "blocked"}`, async () => {
                            replace(
                              await apiFetch<IdTag>(path(t.idTag), {
                                method: "PATCH",
                                body: { status: blocked ? "Accepted" : "Blocked" },
                              }),
                            );
                          })}
                      >
                        {blocked ? "Unblock" : "Block"}
                      </button>
                      <button
                        type="button"
                        class="danger"
                        disabled={busy}
                        onClick={() => {
                          if (!confirm(`Delete id tag ${t.idTag}?`)) return;
                          void run(`${t.idTag} deleted`, async () => {
                            await apiFetch(path(t.idTag), { method: "DELETE" });
                            setItems((list) => list.filter((x) => x.idTag !== t.idTag));
                          });
                        }}
                      >
                        Delete
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {cursor && <button type="button" onClick={more} disabled={busy}>Load more</button>}
    </div>
  );
}

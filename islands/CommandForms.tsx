/**
 * A form for each of the 19 CS->CP commands, grouped by purpose with readable names: pick the command, fill
 * its fields (or its JSON for the complex ones), send; the station's answer is shown with a status badge, or
 * the API's error in words. It opens on GetConfiguration (changes nothing). The catalog comes from the server
 * as props; id tags are offered as suggestions.
 */
import { useState } from "preact/hooks";
import type { CommandField, CommandSpec } from "../components/command_catalog.ts";
import { CommandOutcome, type CommandOutcomeValue, IdTagOptions } from "../components/command_outcome.tsx";
import { announceCommand, ApiCallError, apiFetch, useEvents } from "./client.tsx";
import { REMOTE_START_ACTIONS, RemoteStartNote, useRemoteStart } from "./remote_start.tsx";
import { unknownConnector } from "../model/known_connector.ts";

export interface CommandFormsProps {
  chargePointId: string;
  commands: CommandSpec[];
  /** The command shown first. */
  initial: string;
  /** Id tags to suggest. */
  idTags: string[];
  /** Connected when the page was made; followed live from then on. */
  online: boolean;
  /**
   * The connectors (1.6) or EVSEs (2.0.1) the station has reported, followed live: a ChangeAvailability for
   * another is warned of before it is sent (the server refuses it unless forced).
   */
  connectors?: { place: "connector" | "EVSE"; ids: number[] };
  /** Values some commands open with (components/command_prefill.ts: a stop names the running session). */
  prefill?: Record<string, Values>;
}

type Values = Record<string, string>;

const ID_TAG_LIST = "command-id-tags";

/** Form values -> the request payload; throws a readable Error for what the form itself can tell. */
function payloadOf(spec: CommandSpec, values: Values): Record<string, unknown> {
  if (spec.template !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values["$json"] ?? spec.template);
    } catch (error) {
      throw new Error(`The payload is not valid JSON: ${(error as Error).message}`);
    }
    // Valid JSON of another kind is a different mistake from a typo: said as such.
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new Error(
        `The payload must be a JSON object ({ ... }), not ${
          parsed === null ? "null" : Array.isArray(parsed) ? "an array" : `a ${typeof parsed}`
        }`,
      );
    }
    return parsed as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  for (const field of spec.fields) {
    const raw = (values[field.name] ?? "").trim();
    if (raw === "") {
      if (field.required) throw new Error(`"${field.label}" is required`);
      continue;
    }
    switch (field.kind) {
      case "integer": {
        const n = Number(raw);
        if (!Number.isInteger(n)) throw new Error(`"${field.label}" must be a whole number, not "${raw}"`);
        out[field.name] = n;
        break;
      }
      case "datetime": {
        // datetime-local has no zone: the form says UTC.
        const iso = /Z$|[+-]\d\d:\d\d$/.test(raw) ? raw : `${raw.length === 16 ? `${raw}:00` : raw}Z`;
        const at = new Date(iso);
        if (Number.isNaN(at.getTime())) throw new Error(`"${field.label}" is not a date-time: "${raw}"`);
        out[field.name] = at.toISOString();
        break;
      }
      case "list":
        out[field.name] = raw.split(",").map((s) => s.trim()).filter(Boolean);
        break;
      case "json":
        try {
          out[field.name] = JSON.parse(raw);
        } catch (error) {
          throw new Error(`"${field.label}" is not valid JSON: ${(error as Error).message}`);
        }
        break;
      default:
        out[field.name] = raw;
    }
  }
  return out;
}

/** Why the form's ChangeAvailability names a connector (EVSE) the station has not reported, or null. */
function warnUnknownConnector(
  spec: CommandSpec,
  current: Values,
  valueOf: (f: CommandField) => string,
  known: readonly number[],
  place: "connector" | "EVSE",
): string | null {
  let payload: Record<string, unknown>;
  try {
    const filled: Values = { ...current };
    for (const f of spec.fields) filled[f.name] = valueOf(f);
    payload = payloadOf(spec, filled);
  } catch {
    return null; // The form says what is wrong with it when sent.
  }
  const requested = place === "EVSE"
    ? (payload.evse as { id?: unknown } | undefined)?.id
    : payload.connectorId;
  return typeof requested === "number" ? unknownConnector(known, requested, place) : null;
}

function FieldInput(props: { id: string; field: CommandField; value: string; onInput: (v: string) => void }) {
  const { field, id } = props;
  const common = { id, name: field.name, required: field.required };
  if (field.kind === "enum") {
    return (
      <select {...common} value={props.value} onChange={(e) => props.onInput(e.currentTarget.value)}>
        {!field.required && <option value="">(not set)</option>}
        {field.options?.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    );
  }
  if (field.kind === "text" || field.kind === "json") {
    return (
      <textarea
        {...common}
        rows={3}
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    );
  }
  const isIdTag = field.name === "idTag" || field.name === "parentIdTag";
  return (
    <input
      {...common}
      type={field.kind === "integer" ? "number" : field.kind === "datetime" ? "datetime-local" : "text"}
      step={field.kind === "integer" ? 1 : undefined}
      value={props.value}
      onInput={(e) => props.onInput(e.currentTarget.value)}
      autoComplete="off"
      {...(isIdTag ? { list: ID_TAG_LIST } : {})}
    />
  );
}

export default function CommandForms(props: CommandFormsProps) {
  const [action, setAction] = useState(props.initial);
  const [values, setValues] = useState<Record<string, Values>>(props.prefill ?? {});
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);
  // Nothing can reach an offline station (force would not help): Send waits for it, as the quick actions do.
  const [online, setOnline] = useState(props.online);
  const [known, setKnown] = useState<readonly number[]>(props.connectors?.ids ?? []);
  const learn = (id: number) => setKnown((ids) => ids.includes(id) ? ids : [...ids, id]);
  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, (event) => {
    if (event.type === "connected") setOnline(true);
    if (event.type === "disconnected") setOnline(false);
    if (event.type === "status") learn(event.connector.connectorId);
    if (event.type === "evseStatus") learn(event.evse.evseId);
  });
  const [outcome, setOutcome] = useState<CommandOutcomeValue | null>(null);
  const remoteStart = useRemoteStart(props.chargePointId);
  const spec = props.commands.find((c) => c.action === action);
  const current: Values = values[action] ?? {};
  const set = (name: string, value: string) =>
    setValues((v) => ({ ...v, [action]: { ...current, [name]: value } }));
  const valueOf = (f: CommandField) =>
    current[f.name] ?? (f.kind === "enum" && f.required ? f.options?.[0] ?? "" : "");
  const groups = [...new Set(props.commands.map((c) => c.group))];
  const connectorWarning = spec && action === "ChangeAvailability" && props.connectors
    ? warnUnknownConnector(spec, current, valueOf, known, props.connectors.place)
    : null;

  async function submit(e: Event) {
    e.preventDefault();
    if (!spec) return;
    let payload: Record<string, unknown>;
    try {
      const filled: Values = { ...current };
      for (const f of spec.fields) filled[f.name] = valueOf(f);
      payload = payloadOf(spec, filled);
    } catch (error) {
      setOutcome({
        action,
        label: spec.label,
        ok: false,
        error: { code: "invalid_request", message: (error as Error).message, details: {} },
      });
      return;
    }
    setBusy(true);
    setOutcome(null);
    const isStart = REMOTE_START_ACTIONS.has(action);
    if (isStart) remoteStart.sending(action, payload);
    try {
      const answer = await apiFetch(
        `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}/${action}${
          force ? "?force=true" : ""
        }`,
        { method: "POST", body: payload },
      );
      setOutcome({ action, label: spec.label, ok: true, answer });
      if (isStart) remoteStart.answered(answer);
      announceCommand({ action, ok: true });
    } catch (error) {
      const err = error instanceof ApiCallError ? error : new ApiCallError(0, "error", String(error));
      if (isStart) remoteStart.failed();
      setOutcome({
        action,
        label: spec.label,
        ok: false,
        error: { code: err.code, message: err.message, details: err.details },
      });
      announceCommand({ action, ok: false });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" aria-labelledby="commands-title">
      <h2 id="commands-title">Commands</h2>
      <IdTagOptions id={ID_TAG_LIST} idTags={props.idTags} />
      <form class="command-form" onSubmit={submit}>
        <label>
          Command
          <select
            name="action"
            value={action}
            onChange={(e) => {
              setAction(e.currentTarget.value);
              setOutcome(null);
            }}
          >
            {groups.map((group) => (
              <optgroup key={group} label={group}>
                {props.commands.filter((c) => c.group === group).map((c) => (
                  <option key={c.action} value={c.action}>{c.label}</option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        {spec && (
          <p class="muted small">
            {spec.summary} <code>{spec.action}</code>
          </p>
        )}
        {spec?.template !== undefined && (
          <label>
            Payload (JSON)
            <textarea
              name="payload"
              rows={10}
              class="mono"
              value={current["$json"] ?? spec.template}
              onInput={(e) => set("$json", e.currentTarget.value)}
            />
          </label>
        )}
        {spec?.fields.map((f) => {
          const id = `cmd-${action}-${f.name}`;
          return (
            <div class="field" key={id}>
              <label for={id}>
                {f.label}{" "}
                {f.required ? <span aria-hidden="true">*</span> : <span class="muted">(optional)</span>}{" "}
                {f.hint && <span class="muted small">— {f.hint}</span>}
              </label>
              <FieldInput id={id} field={f} value={valueOf(f)} onInput={(v) => set(f.name, v)} />
            </div>
          );
        })}
        {connectorWarning && (
          <p class="small warn" role="note" data-connector-warning>
            {connectorWarning}: the station will likely refuse; force to send anyway
          </p>
        )}
        <label class="inline">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
          Send even if the station's state says it makes no sense (force)
        </label>
        <div>
          <button type="submit" disabled={busy || !online}>
            {busy ? "Sending…" : `Send: ${spec?.label ?? action}`}
          </button>
          {!online && (
            <p class="muted small" data-commands-offline>
              Offline: commands cannot reach the station until it connects again.
            </p>
          )}
        </div>
      </form>
      <div
        role="status"
        aria-live="polite"
        data-command-result={outcome ? (outcome.ok ? "ok" : "error") : ""}
      >
        {outcome && (
          <CommandOutcome outcome={outcome}>
            {REMOTE_START_ACTIONS.has(outcome.action) && <RemoteStartNote start={remoteStart.start} />}
          </CommandOutcome>
        )}
      </div>
    </section>
  );
}

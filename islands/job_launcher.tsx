/**
 * Runs one command on the stations selected in a table: pick the command, edit its payload (an example is
 * filled in), set how many at once, confirm, run. No command is picked until the operator picks one, and the
 * run is confirmed: one click must not reset a fleet. The job is created through the API (which checks
 * everything) and the operator is taken to its page, where each station's outcome comes in live. Commands
 * are listed by dialect (OCPP 1.6, OCPP 2.0.1): the form says which stations a command is for, and refuses,
 * before anything is sent, a command that a selected station's dialect does not have at all (GetVariables for
 * an OCPP 1.6 station): naming those stations, so the operator can unselect them.
 */
import { useState } from "preact/hooks";
import type { DialectLabel } from "../components/dialect_label.ts";
import type { JobCommand } from "../components/types.ts";
import { ApiCallError, apiFetch } from "./client.tsx";

/** A selected station and its dialect (null: it never connected, so none is known and none is judged). */
export interface SelectedStation {
  id: string;
  dialect: DialectLabel | null;
}

export interface JobLauncherProps {
  selected: SelectedStation[];
  commands: JobCommand[];
  onClear: () => void;
}

/** At most this many station ids are named in the refusal; the rest are counted. */
const NAMED = 5;

/**
 * Why `command` cannot run on `selected`: the stations whose dialect has no such action, or null.
 *
 * @example
 * ```ts
 * dialectRefusal({ action: "GetVariables", dialects: ["OCPP 2.0.1"] }, [{ id: "CP-1", dialect: "OCPP 1.6" }]);
 * // 'OCPP 1.6 has no GetVariables, and 1 selected station speaks it: CP-1. Unselect it, or choose a command its dialect has.'
 * ```
 */
export function dialectRefusal(
  command: Pick<JobCommand, "action" | "dialects">,
  selected: readonly SelectedStation[],
): string | null {
  const lacking = selected.filter((s) => s.dialect !== null && !command.dialects.includes(s.dialect));
  if (lacking.length === 0) return null;
  const dialects = [...new Set(lacking.map((s) => s.dialect))].join(" and ");
  const named = lacking.slice(0, NAMED).map((s) => s.id).join(", ");
  const more = lacking.length > NAMED ? ` and ${lacking.length - NAMED} more` : "";
  const one = lacking.length === 1;
  return `${dialects} has no ${command.action}, and ${lacking.length} selected station${one ? "" : "s"} ` +
    `speak${one ? "s" : ""} it: ${named}${more}. Unselect ${one ? "it" : "them"}, or choose a command ` +
    `${one ? "its" : "their"} dialect has.`;
}

export function JobLauncher(props: JobLauncherProps) {
  const [key, setKey] = useState("");
  const command = props.commands.find((c) => c.key === key);
  const action = command?.action ?? "";
  const [payload, setPayload] = useState("");
  const [concurrency, setConcurrency] = useState("10");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const refusal = command ? dialectRefusal(command, props.selected) : null;

  const choose = (next: string) => {
    setKey(next);
    setPayload(props.commands.find((c) => c.key === next)?.example ?? "{}");
    setError(null);
  };

  const run = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (refusal !== null) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (e) {
      setError(`The payload is not valid JSON: ${(e as Error).message}`);
      return;
    }
    const count = props.selected.length;
    const stations = `${count} station${count === 1 ? "" : "s"}`;
    if (!confirm(`Run ${command?.dialect} ${action} ${payload.trim()} on ${stations}?`)) return;
    setBusy(true);
    try {
      const job = await apiFetch<{ id: string }>("/api/v1/jobs", {
        method: "POST",
        body: {
          action,
          payload: parsed,
          chargePointIds: props.selected.map((s) => s.id),
          concurrency: Number(concurrency),
        },
      });
      location.assign(`/jobs/${encodeURIComponent(job.id)}`);
    } catch (e) {
      setError(e instanceof ApiCallError ? e.message : String(e));
      setBusy(false);
    }
  };

  return (
    <form class="job-launcher card" onSubmit={run} aria-label="Run a job on the selected stations">
      <p>
        <strong data-selected-count>{props.selected.length}</strong> selected{" "}
        <button type="button" class="link" onClick={props.onClear}>clear</button>
      </p>
      <label>
        Command
        <select name="action" value={key} onChange={(e) => choose(e.currentTarget.value)}>
          <option value="" disabled>Choose a command…</option>
          {[...new Set(props.commands.map((c) => c.dialect))].map((dialect) => (
            <optgroup key={dialect} label={dialect}>
              {props.commands.filter((c) =>
                c.dialect === dialect
              ).map((c) => (
                <option key={c.key} value={c.key}>
                  {dialect === "OCPP 1.6" ? c.action : `${c.action} (2.0.1)`}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <label>
        Payload (JSON)
        <textarea
          name="payload"
          rows={3}
          value={payload}
          onInput={(e) => setPayload(e.currentTarget.value)}
        />
      </label>
      <label>
        At once
        <input
          type="number"
          name="concurrency"
          min={1}
          max={100}
          value={concurrency}
          onInput={(e) => setConcurrency(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy || !command || refusal !== null || props.selected.length === 0}>
        Run on {props.selected.length} station{props.selected.length === 1 ? "" : "s"}
      </button>
      {/* Below the controls, the whole width: beside them a long summary pushed At once and Run to a line of their own. */}
      {command && (
        <p class="muted small job-summary" data-job-dialect={command.dialect}>
          {command.summary} <strong>For the selected stations that speak {command.dialect}</strong>
          {command.dialects.length > 1
            ? ": one of the other dialect gets it only if this payload fits that dialect's schema too, else " +
              "it is refused (each station's outcome is on the job's page)."
            : `: only ${command.dialect} has ${command.action}.`}
        </p>
      )}
      {refusal && <p class="error error-text" role="alert" data-dialect-refusal>{refusal}</p>}
      {error && <p class="error error-text" role="alert">{error}</p>}
    </form>
  );
}

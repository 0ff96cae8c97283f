/**
 * Runs one command on the stations selected in a table: pick the command, edit its payload (an example is
 * filled in), set how many at once, confirm, run. No command is picked until the operator picks one, and the
 * run is confirmed: one click must not reset a fleet. The job is created through the API (which checks
 * everything) and the operator is taken to its page, where each station's outcome comes in live.
 */
import { useState } from "preact/hooks";
import type { JobCommand } from "../components/types.ts";
import { ApiCallError, apiFetch } from "./client.tsx";

export interface JobLauncherProps {
  selected: string[];
  commands: JobCommand[];
  onClear: () => void;
}

export function JobLauncher(props: JobLauncherProps) {
  const [action, setAction] = useState("");
  const command = props.commands.find((c) => c.action === action);
  const [payload, setPayload] = useState("");
  const [concurrency, setConcurrency] = useState("10");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const choose = (next: string) => {
    setAction(next);
    setPayload(props.commands.find((c) => c.action === next)?.example ?? "{}");
    setError(null);
  };

  const run = async (event: Event) => {
    event.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (e) {
      setError(`The payload is not valid JSON: ${(e as Error).message}`);
      return;
    }
    const count = props.selected.length;
    if (!confirm(`Run ${action} ${payload.trim()} on ${count} station${count === 1 ? "" : "s"}?`)) return;
    setBusy(true);
    try {
      const job = await apiFetch<{ id: string }>("/api/v1/jobs", {
        method: "POST",
        body: { action, payload: parsed, chargePointIds: props.selected, concurrency: Number(concurrency) },
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
        <select name="action" value={action} onChange={(e) => choose(e.currentTarget.value)}>
          <option value="" disabled>Choose a command…</option>
          {props.commands.map((c) => <option key={c.action} value={c.action}>{c.action}</option>)}
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
      <button type="submit" disabled={busy || !command || props.selected.length === 0}>
        Run on {props.selected.length} station{props.selected.length === 1 ? "" : "s"}
      </button>
      {/* Below the controls, the whole width: beside them a long summary pushed At once and Run to a line of their own. */}
      {command && <p class="muted small job-summary">{command.summary}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

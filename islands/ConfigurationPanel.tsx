/** The stored configuration (the last GetConfiguration answer), with a button that asks the station again. */
import { useState } from "preact/hooks";
import { announceCommand, ApiCallError, apiFetch } from "./client.tsx";

interface KeyValue {
  key: string;
  readonly: boolean;
  value?: string;
}

export interface ConfigurationPanelProps {
  chargePointId: string;
  configuration: KeyValue[] | null;
  canCommand: boolean;
}

export default function ConfigurationPanel(props: ConfigurationPanelProps) {
  const [configuration, setConfiguration] = useState(props.configuration);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [filter, setFilter] = useState("");
  const base = `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}`;

  async function refresh() {
    setBusy(true);
    setMessage(null);
    try {
      const answer = await apiFetch<{ configurationKey?: KeyValue[]; unknownKey?: string[] }>(
        `${base}/GetConfiguration`,
        { method: "POST", body: {} },
      );
      const stored = await apiFetch<{ configuration: KeyValue[] | null }>(`${base}/configuration`);
      setConfiguration(stored.configuration ?? answer.configurationKey ?? []);
      setMessage({ ok: true, text: `Refreshed: ${answer.configurationKey?.length ?? 0} keys` });
      announceCommand({ action: "GetConfiguration", ok: true });
    } catch (error) {
      setMessage({ ok: false, text: error instanceof ApiCallError ? error.message : String(error) });
      announceCommand({ action: "GetConfiguration", ok: false });
    } finally {
      setBusy(false);
    }
  }

  const needle = filter.trim().toLowerCase();
  const rows = (configuration ?? []).filter((k) => !needle || k.key.toLowerCase().includes(needle));

  return (
    <section class="card" aria-labelledby="config-title">
      <div class="card-head">
        <h2 id="config-title">Configuration</h2>
        {props.canCommand && (
          <button type="button" onClick={() => void refresh()} disabled={busy}>
            {busy ? "Asking the station…" : "Refresh with GetConfiguration"}
          </button>
        )}
      </div>
      <div role="status" aria-live="polite">
        {message && <p class={message.ok ? "ok-text" : "error-text"}>{message.text}</p>}
      </div>
      {configuration === null
        ? (
          <p class="muted">
            Not read yet{props.canCommand ? ": ask the station with the button above." : "."}
          </p>
        )
        : (
          <>
            <label class="inline">
              Filter keys{" "}
              <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
            </label>
            <div class="scroll">
              <table class="table" aria-label="Configuration keys" data-config-count={configuration.length}>
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">Value</th>
                    <th scope="col">Read-only</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((k) => (
                    <tr key={k.key}>
                      <td data-label="Key" class="mono">{k.key}</td>
                      <td data-label="Value" class="mono wrap">
                        {k.value ?? <span class="muted">(no value)</span>}
                      </td>
                      <td data-label="Read-only">{k.readonly ? "yes" : "no"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
    </section>
  );
}

/** The overview's alerts: stations offline too long and Faulted connectors, oldest first, each linked. */
import type { Alert } from "./types.ts";
import { formatTime } from "./format.ts";

export function AlertList(props: { alerts: Alert[]; truncated: boolean }) {
  if (props.alerts.length === 0) return null;
  return (
    <section class="alerts card" aria-label="Alerts">
      <h2>
        Alerts <span class="count">{props.alerts.length}</span>
      </h2>
      <ul>
        {props.alerts.map((a) => (
          <li
            key={`${a.kind}-${a.chargePointId}-${a.connectorId}`}
            data-alert={a.kind}
            class={`alert ${a.kind}`}
          >
            <a href={`/stations/${encodeURIComponent(a.chargePointId)}`}>{a.chargePointId}</a>{" "}
            {a.kind === "offline" ? "offline" : `connector ${a.connectorId} Faulted`}
            {a.detail && <span class="muted">— {a.detail}</span>}
            <span class="muted small">since {formatTime(a.since)}</span>
          </li>
        ))}
      </ul>
      {props.truncated && <p class="muted small">Only the first 100,000 stations were looked at.</p>}
    </section>
  );
}

/** Connector status chips: one colour family per state, the state's name always written out (not colour alone). */
import { statusTone } from "./format.ts";
import type { Connector } from "./types.ts";

export function StatusChip(props: { status: string; label?: string; title?: string }) {
  return (
    <span class={`chip tone-${statusTone(props.status)}`} title={props.title ?? props.status}>
      {props.label !== undefined && <span class="chip-label">{props.label}</span>}
      {props.status}
    </span>
  );
}

/** Every connector of a station as a chip, `#0` (the station as a whole) included when reported. */
export function ConnectorChips(props: { connectors: Connector[] }) {
  if (props.connectors.length === 0) return <span class="muted">no status yet</span>;
  return (
    <span class="chips" role="list">
      {props.connectors.map((c) => (
        <span role="listitem" key={c.connectorId} data-connector={c.connectorId} data-status={c.status}>
          <StatusChip
            status={c.status}
            label={`#${c.connectorId}`}
            title={`Connector ${c.connectorId}: ${c.status}${
              c.errorCode !== "NoError" ? ` (${c.errorCode})` : ""
            }`}
          />
        </span>
      ))}
    </span>
  );
}

export function OnlineBadge(props: { online: boolean }) {
  return (
    <span class={`badge ${props.online ? "online" : "offline"}`} data-online={String(props.online)}>
      {props.online ? "online" : "offline"}
    </span>
  );
}

/** Connector status chips: one colour family per state, the state's name always written out (not colour alone). */
import { formatTime, statusTone } from "./format.ts";
import { shownStatus } from "../overview/connector_status.ts";
import type { Connector } from "./types.ts";

export function StatusChip(props: { status: string; label?: string; title?: string }) {
  return (
    <span class={`chip tone-${statusTone(props.status)}`} title={props.title ?? props.status}>
      {props.label !== undefined && <span class="chip-label">{props.label}</span>}
      {props.status}
    </span>
  );
}

/**
 * Every connector of a station as a chip, `#0` (the station as a whole) included when reported. An offline
 * station's connectors are "Unknown" since it went away; the chip's title keeps the last report.
 */
export function ConnectorChips(props: { connectors: Connector[]; online?: boolean; since?: string | null }) {
  if (props.connectors.length === 0) return <span class="muted">no status yet</span>;
  const online = props.online ?? true;
  return (
    <>
      <span class="chips" role="list">
        {props.connectors.map((c) => {
          const shown = shownStatus(c, online);
          const detail = c.errorCode !== "NoError" ? ` (${c.errorCode})` : "";
          const title = online
            ? `Connector ${c.connectorId}: ${c.status}${detail}`
            : `Connector ${c.connectorId}: unknown since the station went offline${
              props.since ? ` at ${formatTime(props.since)} UTC` : ""
            }; it last reported ${c.status}${detail}`;
          return (
            <span
              role="listitem"
              key={c.connectorId}
              data-connector={c.connectorId}
              data-status={shown}
              {...(online ? {} : { "data-last-status": c.status })}
            >
              <StatusChip status={shown} label={`#${c.connectorId}`} title={title} />
            </span>
          );
        })}
      </span>
      <ConnectorErrors connectors={props.connectors} online={online} />
    </>
  );
}

/**
 * The errors of a station's connectors, written out beside their chips (the code, and the station's own
 * words when it sent some): a fault's cause is the first thing an operator needs, not a tooltip away. An
 * offline station's are what it last reported, so they are marked "last known", not shown as current.
 */
function ConnectorErrors(props: { connectors: Connector[]; online: boolean }) {
  const errors = props.connectors.filter((c) => c.errorCode !== "NoError");
  return (
    <>
      {errors.map((c) => (
        <span
          key={`error-${c.connectorId}`}
          class="small error-text connector-error"
          data-connector-error={c.connectorId}
          {...(props.online ? {} : { "data-last-known": "true" })}
        >
          #{c.connectorId} {c.errorCode}
          {c.info ? `: ${c.info}` : ""}
          {props.online ? "" : " (last known)"}
        </span>
      ))}
    </>
  );
}

export function OnlineBadge(props: { online: boolean }) {
  return (
    <span class={`badge ${props.online ? "online" : "offline"}`} data-online={String(props.online)}>
      {props.online ? "online" : "offline"}
    </span>
  );
}

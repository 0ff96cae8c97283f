/**
 * What a connected station we wait for statuses from is doing (`overview/awaiting_status.ts`): starting up
 * after its boot, its connectors as they were before it, or, past the grace, connected and not reporting.
 * One wording for the overview's rows and the station's page.
 */
import { formatTime } from "./format.ts";
import type { StationSummary } from "./types.ts";

export function AwaitingStatusNote(
  props: { awaiting: NonNullable<StationSummary["awaitingStatus"]>; overdue: boolean; class?: string },
) {
  const since = `${formatTime(props.awaiting.since)} UTC`;
  return props.overdue
    ? (
      <span
        class={`warn ${props.class ?? ""}`}
        data-awaiting-status="overdue"
        title={`No StatusNotification since its boot (or connection) at ${since}: its connectors' states are unknown`}
      >
        connected, not reporting
      </span>
    )
    : (
      <span
        class={`muted ${props.class ?? ""}`}
        data-awaiting-status="starting"
        title={`Booted (or connected) at ${since}: waiting for its first StatusNotification; the statuses shown are from before`}
      >
        starting up
      </span>
    );
}

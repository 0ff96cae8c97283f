/**
 * "Offline since <time> (<duration> ago)" for a station that is offline, from its last seen time: the same
 * data the overview's "for <duration>" uses, so the station page and the overview agree.
 */
import { Time } from "./time.tsx";
import { formatDuration } from "./duration.ts";

export function OfflineSince(props: { lastSeen: string | null | undefined; now: number }) {
  if (!props.lastSeen) return null;
  return (
    <span class="small muted" data-offline-since>
      Offline since <Time iso={props.lastSeen} /> ({formatDuration(props.now - Date.parse(props.lastSeen))}
      {" "}
      ago)
    </span>
  );
}

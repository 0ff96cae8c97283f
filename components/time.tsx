/**
 * Times on the dashboard: rendered in UTC on the server (so the browser's first render agrees during
 * hydration) inside `<time datetime>`, and switched to the browser's local time by the TimeZoneToggle island
 * when the operator chose it. Column headings say which with `<TzLabel />`.
 */
import { formatTime } from "./format.ts";

export function Time(props: { iso: string | null | undefined }) {
  if (!props.iso) return <span>—</span>;
  return <time dateTime={props.iso}>{formatTime(props.iso)}</time>;
}

/** "UTC", or the browser's zone once the operator picked local time. */
export function TzLabel() {
  return <span data-tz-label>UTC</span>;
}

/**
 * What an admin should fix in this server (GET /api/v1/server-warnings), above the overview: its settings, a
 * store that refuses every write, a background loop that fails round after round; the log says each once, where
 * nobody may look.
 */
import type { ServerWarning } from "./types.ts";

const TITLES: Record<ServerWarning["kind"], string> = {
  stations_unauthenticated: "Stations are not authenticated.",
  store_writes_failing: "The store refuses every write.",
  background_task_failing: "A background task keeps failing.",
};

export function ServerWarnings(props: { items: readonly ServerWarning[] }) {
  if (props.items.length === 0) return null;
  return (
    <div class="error-box" role="alert" aria-label="Server warnings" data-server-warnings>
      {props.items.map((w) => (
        <p key={`${w.kind} ${w.task ?? ""}`} data-warning={w.kind}>
          <strong>{TITLES[w.kind]}</strong> {w.message}
        </p>
      ))}
    </div>
  );
}

/**
 * A command's answer for people: a badge for the station's status (green when it did it, amber when it
 * will later or partly, red when it refused), the other fields as a list, the raw JSON one click away; an
 * error says what happened in words (not connected, timed out, refused before sending: the message says why,
 * the station's CALLERROR). After an accepted remote start, the transaction it created is linked once the
 * station starts it.
 */
import type { ComponentChildren } from "preact";

/** What the station answered, by its `status`. */
export function answerTone(status: string): "ok" | "warn" | "bad" {
  if (status === "Accepted" || status === "Unlocked") return "ok";
  if (["Scheduled", "RebootRequired", "Unknown", "Occupied"].includes(status)) return "warn";
  return "bad";
}

/**
 * An answer of one status per item (2.0.1 SetVariables, GetVariables: `attributeStatus`) summed up as one:
 * all Accepted reads Accepted; else the statuses that are not, with how many items they are when there were
 * several, in the tone of the worst of them. null for any other answer.
 */
export function itemsAnswer(
  answer: Record<string, unknown>,
): { badge: string; tone: "ok" | "warn" | "bad" } | null {
  const items = answer["setVariableResult"] ?? answer["getVariableResult"];
  if (!Array.isArray(items) || items.length === 0) return null;
  const statuses = items.map((i) => String((i as Record<string, unknown>)?.["attributeStatus"]));
  const refused = statuses.filter((s) => s !== "Accepted");
  if (refused.length === 0) return { badge: "Accepted", tone: "ok" };
  const tone = refused.some((s) => answerTone(s) === "bad") ? "bad" : "warn";
  const named = [...new Set(refused)].join(", ");
  return { badge: statuses.length === 1 ? named : `${named}: ${refused.length} of ${statuses.length}`, tone };
}

const ERROR_LABEL: Record<string, string> = {
  not_connected: "Not connected",
  command_refused: "Refused before sending",
  station_timeout: "No answer in time",
  station_error: "Station error",
  invalid_station_response: "Invalid answer",
  invalid_request: "Invalid input",
  forbidden: "Not allowed",
  // Refused before sending for what the server holds (a profile raise without its key, a clash): not sent.
  conflict: "Not sent: conflict",
  not_found: "Not found",
  store_unavailable: "Store unavailable",
  network_error: "Server unreachable",
};

/** A failed command's badge: what happened, in words; a 504 says whether the station may have acted. */
export function errorLabel(error: { code: string; details: Record<string, unknown> }): string {
  if (error.code === "station_timeout" && error.details["nodeLost"] === true) {
    return "Node lost: may have acted";
  }
  if (error.code === "station_timeout" && error.details["connectionClosed"] === true) {
    return "Connection closed: may have acted";
  }
  return ERROR_LABEL[error.code] ?? error.code;
}

export interface CommandOutcomeValue {
  action: string;
  /** The action as people read it. */
  label: string;
  ok: boolean;
  answer?: unknown;
  error?: { code: string; message: string; details: Record<string, unknown> };
}

export function CommandOutcome(
  props: { outcome: CommandOutcomeValue; children?: ComponentChildren },
) {
  const { outcome } = props;
  const answer = (outcome.answer ?? {}) as Record<string, unknown>;
  const status = typeof answer["status"] === "string" ? answer["status"] as string : null;
  const items = status === null ? itemsAnswer(answer) : null;
  const tone = outcome.ok ? (status ? answerTone(status) : items?.tone ?? "ok") : "bad";
  const badge = outcome.ok
    ? status ?? items?.badge ?? "Answered"
    : outcome.error
    ? errorLabel(outcome.error)
    : "Failed";
  const rest = Object.entries(answer).filter(([k]) => k !== "status");
  return (
    <div class={`outcome-box tone-${tone}-box`} data-command-outcome={tone} data-answer-status={status ?? ""}>
      <p>
        <strong>{outcome.label}</strong> <span class={`badge ${tone}`} data-badge>{badge}</span>
      </p>
      {!outcome.ok && outcome.error && <p class="wrap">{outcome.error.message}</p>}
      {outcome.ok && rest.length > 0 && (
        <dl class="answer">
          {rest.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd class="wrap">{typeof v === "object" ? `${JSON.stringify(v).slice(0, 300)}` : String(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {props.children}
      <details>
        <summary>Raw answer</summary>
        <pre>{JSON.stringify(outcome.ok ? outcome.answer : outcome.error, null, 2)}</pre>
      </details>
    </div>
  );
}

/** The id tags an operator may pick from (a datalist: typing any other tag still works). */
export function IdTagOptions(props: { id: string; idTags: readonly string[] }) {
  return (
    <datalist id={props.id}>
      {props.idTags.map((t) => <option key={t} value={t} />)}
    </datalist>
  );
}

/**
 * What a role may read of a station's recent frames: the security events a station reports are the
 * operators' (`GET /api/v1/security-events` is operator-only), so for a viewer a SecurityEventNotification's
 * payload is withheld; the frame stays listed, so the exchange is still seen. Pure.
 *
 * @example
 * ```ts
 * const frame = { at: "t", direction: "in" as const, frame: '[2,"1","SecurityEventNotification",{"type":"x"}]' };
 * framesFor("viewer", [frame])[0]!.frame; // '[2,"1","SecurityEventNotification",{"withheld":"..."}]'
 * ```
 */
import type { Role } from "../../store/auth.ts";
import type { FrameLogEntry } from "../../actors/frame_log.ts";
import type { ProtocolErrors } from "../../model/protocol_errors.ts";

/** CALLs whose payload only operators (and admins) read. */
const OPERATOR_ACTIONS: ReadonlySet<string> = new Set(["SecurityEventNotification"]);

const WITHHELD = { withheld: "security event content is shown to operators and admins" };

/**
 * A station's protocol errors as `role` may read them: that it sends frames we refuse is no secret, but what
 * was wrong with a security event's frame may quote its content (a field's value), so a viewer reads that it
 * was refused, not why.
 */
export function protocolErrorsFor(
  role: Role,
  errors: ProtocolErrors | null | undefined,
): ProtocolErrors | null {
  if (!errors) return null;
  if (role !== "viewer" || errors.lastAction === undefined || !OPERATOR_ACTIONS.has(errors.lastAction)) {
    return errors;
  }
  return { ...errors, lastProblem: `Refused (${WITHHELD.withheld})` };
}

/**
 * The frames as `role` may read them. Our CALLERROR refusing such a CALL is withheld too: a schema's
 * refusal quotes the field's value (protocol/ocppj/validate.ts). So is one whose CALL is no longer listed (cut
 * from the log's start): what it answered cannot be told.
 */
export function framesFor(role: Role, frames: readonly FrameLogEntry[]): FrameLogEntry[] {
  if (role !== "viewer") return [...frames];
  /**
   * Per message id, whether the station's CALL under it waiting for our answer is withheld. A copy reusing a
   * withheld CALL's id before it is answered (dropped unanswered) leaves it withheld.
   */
  const unanswered = new Map<string, boolean>();
  return frames.map((entry) => {
    if (entry.direction === "out") {
      const answer = ANSWER_HEAD.exec(entry.frame);
      if (answer === null) return entry;
      const id = jsonString(answer[2]!) ?? "";
      const shown = unanswered.get(id) === false;
      unanswered.delete(id);
      if (answer[1] !== "4" || shown) return entry;
      return {
        ...entry,
        frame: JSON.stringify([4, id, jsonString(answer[3] ?? "") ?? "", WITHHELD.withheld, {}]),
      };
    }
    const call = operatorCall(entry.frame);
    const id = call?.id ?? callId(entry.frame);
    if (id !== null && unanswered.get(id) !== true) unanswered.set(id, call !== null);
    return call === null ? entry : { ...entry, frame: JSON.stringify([2, call.id, call.action, WITHHELD]) };
  });
}

/** Our answer's head: its MessageTypeId (we write 3 or 4), message id, and a CALLERROR's code. */
const ANSWER_HEAD = /^\s*\[\s*([34])\s*,\s*"((?:[^"\\]|\\.)*)"\s*(?:,\s*"((?:[^"\\]|\\.)*)")?/;

/** The message id of a station's CALL (any JSON number 2), or null. */
function callId(frame: string): string | null {
  const head = callHead(frame);
  return head && Number(head.type) === 2 ? idText(head.id) : null; // "2" is no number: refused, not answered
}

/**
 * The head of a CALL: its MessageTypeId and message id as written (each any JSON value: the decoder takes `2.0`
 * or `2e0` for 2, a CALL, and refuses others, an array or object too, but lists them) and its action as written
 * (JSON escapes included); null when the frame has no such head. Read from the text, not by parsing it whole: a
 * frame cut to its start (frame_log.ts) is no longer JSON.
 */
function callHead(frame: string): { type: string; id: string; action: string } | null {
  const open = /^\s*\[/.exec(frame);
  if (!open) return null;
  const type = valueAt(frame, open[0].length);
  const id = type && valueAt(frame, commaAfter(frame, type.end));
  const action = id && valueAt(frame, commaAfter(frame, id.end));
  if (!type || !id || !action || !action.text.startsWith('"')) return null;
  return { type: type.text, id: id.text, action: action.text.slice(1, -1) };
}

/** The position after the comma that follows `from` (whitespace around it), or -1. */
function commaAfter(text: string, from: number): number {
  const comma = /^\s*,/.exec(text.slice(from));
  return comma ? from + comma[0].length : -1;
}

/**
 * The JSON value that starts at `from` (after whitespace): a string, an array or object (brackets counted,
 * strings skipped), or any other token up to a comma or a closing bracket; null when it does not end in `text`.
 */
function valueAt(text: string, from: number): { text: string; end: number } | null {
  if (from < 0) return null;
  let i = from;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  const start = i;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      if (i >= text.length) return null;
      if (depth === 0) return { text: text.slice(start, i + 1), end: i + 1 };
    } else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") {
      if (depth === 0) break;
      if (--depth === 0) return { text: text.slice(start, i + 1), end: i + 1 };
    } else if (c === "," && depth === 0) break;
  }
  return depth === 0 && i < text.length && i > start ? { text: text.slice(start, i).trim(), end: i } : null;
}

/**
 * A CALL's message id as written: a JSON string's text, or any other value as its text. The decoder refuses
 * an id that is no string, but the frame is listed all the same, payload and all.
 */
function idText(token: string): string {
  return token.startsWith('"') ? jsonString(token.slice(1, -1)) ?? "" : token.trim();
}

/** The message id and action of a CALL only operators may read, else null. */
function operatorCall(frame: string): { id: string; action: string } | null {
  const head = callHead(frame);
  // Whatever spells its MessageTypeId: a frame the decoder refused ("2") is listed as sent, payload and all.
  if (!head) return null;
  const action = jsonString(head.action);
  return action !== null && OPERATOR_ACTIONS.has(action) ? { id: idText(head.id), action } : null;
}

/** A JSON string's body decoded (escapes and all, as the server read it), or null when it is none. */
function jsonString(body: string): string | null {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return null;
  }
}

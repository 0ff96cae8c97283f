/**
 * What a role may read of a station's recent frames: the security events a station reports are the
 * operators' (`GET /api/v1/security-events` is operator-only), so for a viewer a SecurityEventNotification's
 * payload is withheld, and so is the description of the CALLERROR we answered it with (it quotes the field that
 * was wrong). The frames stay listed, with the error's code, so the exchange is still seen. Pure.
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
export function protocolErrorsFor(role: Role, errors: ProtocolErrors | undefined): ProtocolErrors | null {
  if (!errors) return null;
  if (role !== "viewer" || errors.lastAction === undefined || !OPERATOR_ACTIONS.has(errors.lastAction)) {
    return errors;
  }
  return { ...errors, lastProblem: `Refused (${WITHHELD.withheld})` };
}

/**
 * The frames as `role` may read them. A CALLERROR we sent is withheld from a viewer when it answers such a
 * CALL, or one no longer kept (the log drops a CALL before its answer): what it answered is not known then.
 */
export function framesFor(role: Role, frames: readonly FrameLogEntry[]): FrameLogEntry[] {
  if (role !== "viewer") return [...frames];
  const keptCalls = new Set<string>();
  const operatorCalls = new Set<string>();
  for (const entry of frames) {
    const head = entry.direction === "in" ? frameHead(entry.frame) : null;
    if (head?.type !== 2) continue;
    keptCalls.add(head.id);
    if (isOperatorCall(head)) operatorCalls.add(head.id);
  }
  return frames.map((entry) => {
    const head = frameHead(entry.frame);
    if (head === null) return entry;
    if (entry.direction === "in" && isOperatorCall(head)) {
      return { ...entry, frame: JSON.stringify([2, head.id, head.name, WITHHELD]) };
    }
    const withheldAnswer = entry.direction === "out" && head.type === 4 &&
      (operatorCalls.has(head.id) || !keptCalls.has(head.id));
    return withheldAnswer
      ? {
        ...entry,
        frame: JSON.stringify([4, head.id, head.name ?? "", `Withheld: ${WITHHELD.withheld}`, {}]),
      }
      : entry;
  });
}

/**
 * The head of a frame: its MessageTypeId, message id and the string after them (a CALL's action, a CALLERROR's
 * code) as written (JSON escapes included). Read from the text, not by parsing it whole: a frame cut to its
 * start (frame_log.ts) is no longer JSON. The type is any JSON number: the decoder takes `2.0` or `2e0` for 2,
 * a CALL (protocol/ocppj/frames.ts).
 */
const FRAME_HEAD =
  /^\s*\[\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*,\s*"((?:[^"\\]|\\.)*)"(?:\s*,\s*"((?:[^"\\]|\\.)*)")?/;

interface FrameHead {
  type: number;
  id: string;
  name: string | null;
}

function frameHead(frame: string): FrameHead | null {
  const head = FRAME_HEAD.exec(frame);
  if (!head) return null;
  return {
    type: Number(head[1]),
    id: jsonString(head[2]!) ?? "",
    name: head[3] === undefined ? null : jsonString(head[3]),
  };
}

/** A CALL only operators may read. */
function isOperatorCall(head: FrameHead): boolean {
  return head.type === 2 && head.name !== null && OPERATOR_ACTIONS.has(head.name);
}

/** A JSON string's body decoded (escapes and all, as the server read it), or null when it is none. */
function jsonString(body: string): string | null {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return null;
  }
}

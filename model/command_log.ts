/**
 * One command and how it ended: the command log every command lands in, sent or not. A command accepted for
 * sending is written before its CALL may leave (`sending`) and settled in place, by id, when its outcome is
 * known, by whoever learns it: one row per command.
 */
export interface CommandLogEntry {
  id: string;
  chargePointId: string;
  action: string;
  payload: unknown;
  requestedBy: string;
  requestedAt: string;
  /**
   * accepted: the station answered with a CALLRESULT; refused: not sent, the connector state made it
   * pointless (the operator may force it); sending: written before the CALL left, no outcome yet; unknown:
   * the node that sent it was lost before the answer came (the station may have acted on it).
   */
  outcome: CommandOutcome;
  response: unknown;
  /** Null while `sending`. */
  finishedAt: string | null;
  /** The process (cluster node) that sends the CALL and settles the row; absent on rows written before 040. */
  nodeId?: string;
  /**
   * What the station answered after the command timed out (on a `timeout` row only: the operator's request
   * did time out, and that outcome stays); absent when no answer came late.
   */
  lateAnswer?: LateAnswer;
}

/**
 * The station's answer to a command that had already timed out, and when it came: a CALLRESULT
 * (`accepted`), one its schema refuses (`invalid`, `response` says why) or a CALLERROR (`callerror`, its code,
 * description and details).
 */
export interface LateAnswer {
  outcome: "accepted" | "callerror" | "invalid";
  response: unknown;
  at: string;
}

export type CommandOutcome =
  | "accepted"
  | "callerror"
  | "timeout"
  | "not_connected"
  | "invalid"
  | "refused"
  | "sending"
  | "unknown";

/** Every outcome, for schemas and the PostgreSQL check. */
export const COMMAND_OUTCOMES: readonly CommandOutcome[] = [
  "accepted",
  "callerror",
  "timeout",
  "not_connected",
  "invalid",
  "refused",
  "sending",
  "unknown",
];

/** The row of a node that died while it sent the command: what stands in for the station's answer. */
export const NODE_LOST_RESPONSE = {
  reason: "node lost: outcome unknown, the station may have acted",
} as const;

/**
 * How much an outcome knows: `sending` (0) < `unknown` (1) < a known outcome (2). A write settles a row only
 * with a rank above the row's: a node-lost `unknown` settles only a row still `sending`, and a holder that
 * learns the real outcome late (it was frozen, not dead) replaces `unknown` with it; a known outcome is never
 * replaced (a retried write, a second writer of the same answer). The order the writes arrive in does not
 * change the row they leave.
 */
export function outcomeRank(outcome: CommandOutcome): number {
  return outcome === "sending" ? 0 : outcome === "unknown" ? 1 : 2;
}

/**
 * The row `row` becomes when `entry` (same id) is written over it, or null when the write changes nothing. The
 * row keeps its request and sender; an entry that knows more (`outcomeRank`) brings its outcome, answer and
 * finish time; a late answer is added to a row that ends `timeout` and has none yet (the first one stays, and
 * the `timeout` stays: it is what the operator's request met). KV applies it as it is, PostgreSQL's upsert
 * spells it in SQL (store/postgres/command_log.ts); `store/contract/command_log.ts` holds both to it.
 */
export function settleCommandRow(row: CommandLogEntry, entry: CommandLogEntry): CommandLogEntry | null {
  const knowsMore = outcomeRank(entry.outcome) > outcomeRank(row.outcome);
  const settled = knowsMore
    ? { ...row, outcome: entry.outcome, response: entry.response, finishedAt: entry.finishedAt }
    : row;
  const late = row.lateAnswer === undefined && entry.lateAnswer !== undefined &&
    settled.outcome === "timeout";
  if (!knowsMore && !late) return null;
  return late ? { ...settled, lateAnswer: entry.lateAnswer! } : settled;
}

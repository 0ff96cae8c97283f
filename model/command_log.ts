/** One operator command and how it ended: the command log every command lands in, sent or not. */
export interface CommandLogEntry {
  id: string;
  chargePointId: string;
  action: string;
  payload: unknown;
  requestedBy: string;
  requestedAt: string;
  /**
   * accepted: the station answered with a CALLRESULT; refused: not sent, the connector state made it
   * pointless (the operator may force it).
   */
  outcome: "accepted" | "callerror" | "timeout" | "not_connected" | "invalid" | "refused";
  response: unknown;
  finishedAt: string;
}

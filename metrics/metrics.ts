/**
 * What the hot path tells the metrics, as a small injected interface: the actor's CALL handling, the WebSocket
 * upgrade, the store's group commits, operator commands and event streams each call one method. The
 * Prometheus implementation is `metrics/prometheus.ts`; `NO_METRICS` does nothing (tests, tools).
 *
 * @example
 * ```ts
 * import { NO_METRICS } from "./metrics.ts";
 * NO_METRICS.callHandled("Heartbeat", "accepted", 0.002);
 * ```
 */

/** One group commit of a store: how many writes it carried, how long it took, whether it committed. */
export interface CommitBatch {
  size: number;
  seconds: number;
  ok: boolean;
}

export interface Metrics {
  /** A station's CALL was answered: `outcome` is "accepted" (CALLRESULT) or the CALLERROR code. */
  callHandled(action: string, outcome: string, seconds: number): void;
  /** A station's WebSocket upgrade: 101 when accepted, else the HTTP status it was refused with. */
  handshake(status: number): void;
  /** A store wrote a group of writes in one commit. */
  storeCommitted(batch: CommitBatch): void;
  /** An operator command ended: `outcome` as in the command log (accepted, timeout, callerror, ...). */
  commandFinished(action: string, outcome: string): void;
  /** A live event stream (SSE) opened (+1) or ended (-1). */
  eventStreamsChanged(delta: 1 | -1): void;
  /** The listener closed a connection before its request was read (transport/dropped_connections.ts). */
  connectionDropped(reason: string): void;
}

export const NO_METRICS: Metrics = {
  callHandled() {},
  handshake() {},
  storeCommitted() {},
  commandFinished() {},
  eventStreamsChanged() {},
  connectionDropped() {},
};

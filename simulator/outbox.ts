/**
 * The station's outgoing CALLs, in the order things happened, one in flight (OCPP-J 1.6 §4.1.1).
 * Transaction messages (StartTransaction, StopTransaction, MeterValues of a transaction) are kept across
 * disconnections and reboots and retried after a CALLERROR or a timeout, TransactionMessageAttempts times
 * with TransactionMessageRetryInterval × attempt between tries (OCPP 1.6 §4.10, §9.1); anything else is
 * dropped when the connection goes, since the station resends its current state on reconnect.
 */
import type { Clock } from "./clock.ts";
import type { CallFailure } from "./connection.ts";
import type { CpToCsAction } from "./ocpp.ts";

export interface OutboxMessage {
  action: CpToCsAction;
  /**
   * Built when sent, so a message queued before its transaction had an id gets the one StartTransaction
   * brought. null: nothing to send any more (the transaction never got an id).
   */
  payload: () => unknown | null;
  persistent: boolean;
  onResult?: (result: Record<string, unknown>) => void;
  /** Given up: dropped or out of attempts. */
  onDropped?: (why: string) => void;
}

export interface OutboxOptions {
  send(action: CpToCsAction, payload: unknown): Promise<Record<string, unknown>>;
  classify(error: unknown): CallFailure;
  /** Connected, accepted and not silent. */
  canSend(): boolean;
  clock: Clock;
  /** TransactionMessageAttempts and TransactionMessageRetryInterval (s), read at each failure. */
  retryPolicy(): { attempts: number; intervalS: number };
  /** Persistent messages kept at most (the oldest MeterValues go first beyond it). */
  maxPersistent?: number;
}

export interface Outbox {
  push(message: OutboxMessage): void;
  /** Sends what can be sent; call when sending becomes possible again. */
  pump(): void;
  /** The connection is gone: non-persistent messages go. */
  disconnected(): void;
  /** Resolves true once nothing waits (or false after `timeoutMs`). */
  drained(timeoutMs: number): Promise<boolean>;
  readonly size: number;
  /** Stops retry timers; queued messages stay. */
  pause(): void;
}

interface Entry extends OutboxMessage {
  attempts: number;
}

/**
 * @example
 * ```ts
 * const outbox = createOutbox({ send, classify, canSend: () => true, clock, retryPolicy });
 * outbox.push({ action: "Heartbeat", payload: () => ({}), persistent: false });
 * ```
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const queue: Entry[] = [];
  const maxPersistent = options.maxPersistent ?? 10_000;
  let inFlight = false;
  let cancelRetry: (() => void) | null = null;
  let drainWaiters: Array<() => void> = [];

  const settle = () => {
    if (queue.length > 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
  };

  const drop = (entry: Entry, why: string) => {
    const at = queue.indexOf(entry);
    if (at >= 0) queue.splice(at, 1);
    entry.onDropped?.(why);
  };

  const pump = () => {
    while (!inFlight && !cancelRetry && queue.length > 0 && options.canSend()) {
      const head = queue[0] as Entry;
      const payload = head.payload();
      if (payload === null) {
        drop(head, "nothing to send");
        continue;
      }
      inFlight = true;
      head.attempts++;
      options.send(head.action, payload).then(
        (result) => {
          inFlight = false;
          queue.shift();
          head.onResult?.(result);
          settle();
          pump();
        },
        (error) => {
          inFlight = false;
          const failure = options.classify(error);
          failed(head, failure, error);
          settle();
          // A connection that is going away fails every call at once: pumping again now would spin until its
          // close event, which the spinning would never let run. The station pumps once it is back.
          if (failure !== "disconnected" || !head.persistent) pump();
        },
      );
    }
    settle();
  };

  const failed = (entry: Entry, failure: CallFailure, error: unknown) => {
    if (!entry.persistent) {
      drop(entry, `${failure}: ${String(error)}`);
      return;
    }
    if (failure === "disconnected") {
      // Not the Central System's fault: try again, from the start, once connected.
      entry.attempts = 0;
      return;
    }
    const { attempts, intervalS } = options.retryPolicy();
    if (entry.attempts >= Math.max(1, attempts)) {
      drop(entry, `${failure} after ${entry.attempts} attempt(s): ${String(error)}`);
      return;
    }
    cancelRetry = options.clock.after(intervalS * 1000 * entry.attempts, () => {
      cancelRetry = null;
      pump();
    });
  };

  return {
    push(message) {
      queue.push({ ...message, attempts: 0 });
      if (message.persistent) {
        const persistent = queue.filter((e) => e.persistent);
        if (persistent.length > maxPersistent) {
          const oldest = persistent.find((e, i) => e.action === "MeterValues" && (i > 0 || !inFlight));
          if (oldest) drop(oldest, "outbox full");
        }
      }
      pump();
    },
    pump,
    disconnected() {
      cancelRetry?.();
      cancelRetry = null;
      for (const entry of [...queue]) {
        if (!entry.persistent && !(inFlight && entry === queue[0])) drop(entry, "disconnected");
      }
      settle();
    },
    drained(timeoutMs) {
      if (queue.length === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const cancel = options.clock.after(timeoutMs, () => {
          drainWaiters = drainWaiters.filter((w) => w !== done);
          resolve(false);
        });
        const done = () => {
          cancel();
          resolve(true);
        };
        drainWaiters.push(done);
      });
    },
    get size() {
      return queue.length;
    },
    pause() {
      cancelRetry?.();
      cancelRetry = null;
    },
  };
}

/**
 * Correlation of our CS->CP CALLs for one station: exactly one CALL in flight, the rest queued in order
 * (OCPP-J 1.6 §4.1.1: "a client should not send a CALL until it has received a CALLRESULT or CALLERROR for
 * the previous one"). Timeouts are checked by `expire(now)`, driven by the registry's one shared timer, so a
 * station costs no timer of its own.
 */
import { encodeCall } from "../protocol/ocppj/frames.ts";
import { CallTimeoutError, SendMarkError } from "./errors.ts";

interface QueuedCall {
  action: string;
  payload: unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** Written before the CALL goes (its send mark): the CALL waits for it, and never goes when it fails. */
  beforeSend: (() => Promise<void>) | undefined;
  /** The caller's own note on the call, handed back with a late answer (`settleLate`): its command log row. */
  tag: unknown;
}

interface InFlightCall extends QueuedCall {
  messageId: string;
  deadline: number;
  /** Out of the queue, its beforeSend under way: holds the station's one slot, not on the wire yet. */
  marking: boolean;
}

/** How many timed-out calls are remembered for a late answer (one CALL is in flight at a time). */
const TIMED_OUT_KEPT = 8;

export interface OutgoingCallsOptions {
  chargePointId: string;
  send: (text: string) => void;
  newMessageId: () => string;
  timeoutMs: number;
  now: () => number;
}

/**
 * @example
 * ```ts
 * const calls = new OutgoingCalls({ chargePointId: "CP-1", send, newMessageId, timeoutMs: 30_000, now: Date.now });
 * const answer = calls.enqueue("Reset", { type: "Soft" });
 * calls.settle("the-message-id"); // -> { action: "Reset", resolve, reject }
 * ```
 */
export class OutgoingCalls {
  #queue: QueuedCall[] = [];
  #inFlight: InFlightCall | null = null;
  /** The last calls that timed out, by message id: a station may still answer one (a slow install). */
  #timedOut = new Map<string, { action: string; payload: unknown; tag: unknown }>();

  constructor(private readonly options: OutgoingCallsOptions) {}

  /**
   * Sends now when nothing is in flight, else queues. Resolves with the raw CALLRESULT payload. `beforeSend`
   * runs as the CALL leaves the queue and must resolve before the frame is written (a job task's send mark);
   * it rejects the call instead when it fails, and the call's timeout bounds it. `tag` comes back with a late
   * answer (`settleLate`).
   */
  enqueue(
    action: string,
    payload: unknown,
    beforeSend?: () => Promise<void>,
    tag?: unknown,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ action, payload, resolve, reject, beforeSend, tag });
      if (!this.#inFlight) this.#sendNext();
    });
  }

  /**
   * Takes the in-flight call whose id is `messageId` (and sends the next queued one), or returns null when
   * no call has that id: the caller logs and drops such a response.
   */
  settle(
    messageId: string,
  ): { action: string; payload: unknown; resolve: (v: unknown) => void; reject: (e: Error) => void } | null {
    const call = this.#inFlight;
    if (!call || call.marking || call.messageId !== messageId) return null;
    this.#inFlight = null;
    this.#sendNext();
    return call;
  }

  /**
   * Rejects the in-flight call when its deadline has passed, then sends the next one. A call still waiting
   * for its mark never goes: it is rejected as not sent, whenever the mark comes.
   */
  expire(now: number): void {
    const call = this.#inFlight;
    if (!call || now < call.deadline) return;
    this.#inFlight = null;
    const { chargePointId, timeoutMs } = this.options;
    if (call.marking) {
      // Never on the wire: no answer can come late.
      call.reject(
        new SendMarkError(chargePointId, call.action, `its send mark was not written within ${timeoutMs} ms`),
      );
    } else {
      this.#timedOut.set(call.messageId, { action: call.action, payload: call.payload, tag: call.tag });
      if (this.#timedOut.size > TIMED_OUT_KEPT) this.#timedOut.delete(this.#timedOut.keys().next().value!);
      call.reject(new CallTimeoutError(chargePointId, call.action, timeoutMs));
    }
    this.#sendNext();
  }

  /**
   * Takes the call whose id is `messageId` when it timed out recently (its answer came late), or null. Its
   * caller already heard of the timeout; the answer can only be recorded (`tag`: the caller's note on it).
   */
  settleLate(messageId: string): { action: string; payload: unknown; tag: unknown } | null {
    const call = this.#timedOut.get(messageId);
    if (!call) return null;
    this.#timedOut.delete(messageId);
    return call;
  }

  /** Rejects everything, in flight (`sent`: the station has it) and queued (the socket closed). */
  rejectAll(makeError: (action: string, sent: boolean) => Error): void {
    const inFlight = this.#inFlight;
    const queued = this.#queue;
    this.#inFlight = null;
    this.#queue = [];
    if (inFlight) inFlight.reject(makeError(inFlight.action, !inFlight.marking));
    for (const call of queued) call.reject(makeError(call.action, false));
  }

  /** The message id of the CALL on the wire, or null. */
  get inFlightMessageId(): string | null {
    return this.#sent()?.messageId ?? null;
  }

  /** The action holding the station's slot (on the wire, or waiting for its mark): it has a deadline. */
  get inFlightAction(): string | null {
    return this.#inFlight?.action ?? null;
  }

  /** The CALL on the wire (not yet answered): its action and payload. */
  get inFlight(): { action: string; payload: unknown } | null {
    const call = this.#sent();
    return call && { action: call.action, payload: call.payload };
  }

  get queued(): number {
    return this.#queue.length;
  }

  #sent(): InFlightCall | null {
    return this.#inFlight && !this.#inFlight.marking ? this.#inFlight : null;
  }

  #sendNext(): void {
    const next = this.#queue.shift();
    if (!next) return;
    const call: InFlightCall = {
      ...next,
      messageId: this.options.newMessageId(),
      deadline: this.options.now() + this.options.timeoutMs,
      marking: next.beforeSend !== undefined,
    };
    this.#inFlight = call;
    if (!next.beforeSend) return this.#write(call);
    next.beforeSend().then(
      () => {
        // Rejected meanwhile (its deadline, a closed socket): it never goes.
        if (this.#inFlight !== call) return;
        call.marking = false;
        call.deadline = this.options.now() + this.options.timeoutMs;
        this.#write(call);
      },
      (error) => {
        if (this.#inFlight === call) this.#fail(call, error);
      },
    );
  }

  #write(call: InFlightCall): void {
    try {
      this.options.send(encodeCall(call.messageId, call.action, call.payload));
    } catch (error) {
      this.#fail(call, error);
    }
  }

  /** The call in flight never went (its mark or its write failed): rejected, and the next one goes. */
  #fail(call: InFlightCall, error: unknown): void {
    this.#inFlight = null;
    call.reject(error instanceof Error ? error : new Error(String(error)));
    this.#sendNext();
  }
}

/**
 * Correlation of our CS->CP CALLs for one station: exactly one CALL in flight, the rest queued in order
 * (OCPP-J 1.6 §4.1.1: "a client should not send a CALL until it has received a CALLRESULT or CALLERROR for
 * the previous one"). Timeouts are checked by `expire(now)`, driven by the registry's one shared timer, so a
 * station costs no timer of its own.
 */
import { encodeCall } from "../protocol/ocppj/frames.ts";
import { CallTimeoutError } from "./errors.ts";

interface QueuedCall {
  action: string;
  payload: unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface InFlightCall extends QueuedCall {
  messageId: string;
  deadline: number;
}

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

  constructor(private readonly options: OutgoingCallsOptions) {}

  /** Sends now when nothing is in flight, else queues. Resolves with the raw CALLRESULT payload. */
  enqueue(action: string, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ action, payload, resolve, reject });
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
    if (!call || call.messageId !== messageId) return null;
    this.#inFlight = null;
    this.#sendNext();
    return call;
  }

  /** Rejects the in-flight call when its deadline has passed, then sends the next one. */
  expire(now: number): void {
    const call = this.#inFlight;
    if (!call || now < call.deadline) return;
    this.#inFlight = null;
    call.reject(new CallTimeoutError(this.options.chargePointId, call.action, this.options.timeoutMs));
    this.#sendNext();
  }

  /** Rejects everything, in flight (`sent`: the station has it) and queued (the socket closed). */
  rejectAll(makeError: (action: string, sent: boolean) => Error): void {
    const inFlight = this.#inFlight;
    const queued = this.#queue;
    this.#inFlight = null;
    this.#queue = [];
    if (inFlight) inFlight.reject(makeError(inFlight.action, true));
    for (const call of queued) call.reject(makeError(call.action, false));
  }

  /** The message id of the call in flight, or null. */
  get inFlightMessageId(): string | null {
    return this.#inFlight?.messageId ?? null;
  }

  get inFlightAction(): string | null {
    return this.#inFlight?.action ?? null;
  }

  /** The CALL in flight (not yet answered): its action and payload. */
  get inFlight(): { action: string; payload: unknown } | null {
    return this.#inFlight && { action: this.#inFlight.action, payload: this.#inFlight.payload };
  }

  get queued(): number {
    return this.#queue.length;
  }

  #sendNext(): void {
    const next = this.#queue.shift();
    if (!next) return;
    const messageId = this.options.newMessageId();
    this.#inFlight = { ...next, messageId, deadline: this.options.now() + this.options.timeoutMs };
    try {
      this.options.send(encodeCall(messageId, next.action, next.payload));
    } catch (error) {
      this.#inFlight = null;
      next.reject(error instanceof Error ? error : new Error(String(error)));
      this.#sendNext();
    }
  }
}

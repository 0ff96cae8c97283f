/**
 * Station key checks (Basic auth: 10,000 PBKDF2 rounds each) per source. The back-off counts a source per
 * charge point id, so a source that sends ever new ids is never held back by it: measured, one address with
 * 32 handshakes at a time got ~400 checks a second, both cores busy. Here a source has `perSource` checks
 * running at once, and a budget of failed checks: a bucket of `failureBurst`, refilled at `failuresPerSecond`.
 * A turn is taken before anything is hashed and given back when the key was right (or nothing was hashed), so
 * stations that know their keys never spend it; a handshake that finds its source's checks all running waits
 * for one to end (`turn`, up to a few seconds) rather than being refused: a site's reconnect storm after a
 * restart (200 stations behind one NAT at once: 161 were refused 429 before it waited) passes, a guesser
 * rotating ids gets the burst and then the rate.
 *
 * A budget per source, not a doubling back-off: one station with a wrong key behind a site's NAT (already held
 * back per id) must not lock the whole site out. A source is an IPv4 address or an IPv6 /64 (stations on one
 * mobile carrier share its /48s), and an IPv6 /48 has PREFIX_48_SHARE times the /64's checks and budget too,
 * so rotating /64s buys 16 budgets, not 65,536. In memory, per process.
 *
 * @example
 * ```ts
 * import { StationKeyChecks } from "./station_key_checks.ts";
 * const checks = new StationKeyChecks({ perSource: 2, failureBurst: 1, failuresPerSecond: 0.5 });
 * const turn = checks.take("203.0.113.9", 0);
 * if ("release" in turn) turn.release(false); // a wrong key: the budget's one failure is spent
 * checks.take("203.0.113.9", 0); // { retryAfterMs: 2000 }
 * ```
 */
import { backoffSource } from "./auth_backoff.ts";
import { SourceBuckets, type TokenBucket, waitMs } from "./source_buckets.ts";
import { SourceSlots } from "./source_slots.ts";
import { budgetSpecs, type SharedFailureBudgets } from "./shared_failure_budgets.ts";

export interface StationKeyCheckOptions {
  /** Checks one source may have running at once. */
  perSource: number;
  /** Failed checks a source may spend at once. */
  failureBurst: number;
  /** Failed checks a source earns back per second. */
  failuresPerSecond: number;
  /** Sources whose budgets are remembered (the least recently used forgotten first); default 10,000. */
  maxSources?: number;
  /**
   * The failure budgets of the whole cluster (PostgreSQL), asked besides this process's: a guesser spreading
   * its handshakes over the nodes gets one budget. Unreachable or not answering in time (its queries are
   * bounded), the check goes by this process's alone: it fails open to the node's own budget, which still
   * holds a guesser to one node's share, rather than holding every station's handshake on a hung database.
   */
  shared?: SharedFailureBudgets;
  /** Told when the shared budgets cannot be read or written. */
  onSharedError?: (error: unknown) => void;
}

/**
 * A turn to check a key (`release` it with whether the check spent the budget), or how long to wait (`busy`:
 * the source's checks are all running, not its budget spent).
 */
export type KeyCheckTurn =
  | { release(failed: boolean): void | Promise<void> }
  | { retryAfterMs: number; busy?: true };

/** How long `turn` waits for a running check of the source to end before it answers busy. */
export const KEY_CHECK_WAIT_MS = 5000;
/** Handshakes of one source that may wait at once; more are answered busy at once. */
const MAX_WAITING = 1000;
/** A waiter also looks again this often (a check of another source of its /48 may have ended meanwhile). */
const LOOK_AGAIN_MS = 50;

export class StationKeyChecks {
  readonly #slots: SourceSlots;
  readonly #failures: SourceBuckets<TokenBucket>;
  /** Per source: the handshakes waiting for one of its running checks to end. */
  readonly #waiting = new Map<string, (() => void)[]>();

  constructor(private readonly options: StationKeyCheckOptions) {
    this.#slots = new SourceSlots(options.perSource);
    this.#failures = new SourceBuckets({
      burst: options.failureBurst,
      perSecond: options.failuresPerSecond,
      ...(options.maxSources !== undefined ? { maxSources: options.maxSources } : {}),
    }, () => ({}));
  }

  /**
   * A turn for a check from `address`, waiting up to `maxWaitMs` while the source's checks are all running;
   * else the wait to answer (budget spent: until a failure is earned back; still busy: 1 s).
   */
  async turn(address: string, nowMs: number, maxWaitMs = KEY_CHECK_WAIT_MS): Promise<KeyCheckTurn> {
    const started = performance.now();
    const turn = await this.#localTurn(address, nowMs, maxWaitMs);
    const shared = this.options.shared;
    if (!shared || !("release" in turn)) return turn;
    const at = () => nowMs + (performance.now() - started);
    const specs = budgetSpecs(this.#failures.budgets(address, at()));
    let wait = 0;
    try {
      wait = await shared.waitMs(specs);
    } catch (error) {
      this.options.onSharedError?.(error);
    }
    if (wait > 0) {
      // Spent on other nodes: nothing is hashed here, this process's token goes back.
      await turn.release(false);
      return { retryAfterMs: wait };
    }
    return {
      release: async (failed) => {
        await turn.release(failed);
        if (!failed) return;
        try {
          // Awaited before the refusal is answered: the guesser's next handshake, on any node, sees it.
          await shared.spend(specs);
        } catch (error) {
          this.options.onSharedError?.(error);
        }
      },
    };
  }

  /** A turn by this process's budgets and checks running. */
  async #localTurn(address: string, nowMs: number, maxWaitMs: number): Promise<KeyCheckTurn> {
    const started = performance.now();
    const source = backoffSource(address);
    for (;;) {
      const waited = performance.now() - started;
      const turn = this.take(address, nowMs + waited);
      if (!("busy" in turn) || waited >= maxWaitMs) return turn;
      const queue = this.#waiting.get(source) ?? [];
      if (queue.length >= MAX_WAITING) return turn;
      this.#waiting.set(source, queue);
      await new Promise<void>((resolve) => {
        // Woken by a release or by its timer, whichever comes first; either way it leaves the queue.
        const wake = () => {
          clearTimeout(timer);
          const at = queue.indexOf(wake);
          if (at >= 0) queue.splice(at, 1);
          // The last to leave forgets the source (a /64 whose /48 is busy may never see a release of its own).
          if (queue.length === 0 && this.#waiting.get(source) === queue) this.#waiting.delete(source);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(LOOK_AGAIN_MS, maxWaitMs - waited));
        queue.push(wake);
      });
    }
  }

  /** A turn for a check from `address` now, or the wait (budget spent: until a failure is earned back; busy: 1 s). */
  take(address: string, nowMs: number): KeyCheckTurn {
    const source = backoffSource(address);
    const budgets = this.#failures.budgets(address, nowMs);
    const wait = waitMs(budgets);
    if (wait > 0) return { retryAfterMs: wait };
    const releaseSlot = this.#slots.take(address);
    if (!releaseSlot) return { retryAfterMs: 1000, busy: true };
    // Spent before the check, so checks sent at once cannot all pass before the first failure counts.
    for (const { bucket } of budgets) bucket.tokens -= 1;
    let released = false;
    return {
      release: (failed) => {
        if (released) return;
        released = true;
        releaseSlot();
        this.#wakeOne(source);
        if (failed) return;
        for (const { bucket, burst } of budgets) bucket.tokens = Math.min(burst, bucket.tokens + 1);
      },
    };
  }

  /** Sources with a handshake waiting (each remembered only while one is: many /64s may wait once). */
  get waitingSources(): number {
    return this.#waiting.size;
  }

  /** The longest waiting handshake of `source` looks again: a check of its ended. */
  #wakeOne(source: string): void {
    const queue = this.#waiting.get(source);
    if (!queue) return;
    queue.shift()?.();
    if (queue.length === 0) this.#waiting.delete(source);
  }
}

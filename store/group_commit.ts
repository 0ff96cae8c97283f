/**
 * Group commit: many small writes from many stations become one transaction. Used by both stores for the hot
 * path (PostgreSQL: meter values and touches; Deno KV: touches).
 *
 * Submissions arriving within `windowMs` of the first one (or until `maxCallers` are waiting) are handed to
 * `commit` as one batch; each submission's promise settles only with what `commit` reported for it, so
 * nothing is reported as stored before the write holding it has committed.
 *
 * With `windowMs: "whileBusy"` nobody waits for company: while fewer than `maxInFlight` commits are in flight,
 * a submission commits at once (in a microtask, so calls of the same tick still share it); what arrives while
 * `maxInFlight` commits are in flight goes in the next one, written as soon as one of them ends. No added
 * latency when idle; large batches when busy. `maxInFlight` 1 suits a backend with one writer anyway (Deno KV's
 * SQLite), where a second commit in flight gains nothing; a backend with several connections (PostgreSQL)
 * overlaps a few, so a write arriving mid-commit waits for a free slot, not for the whole commit before it.
 *
 * `busyWindowMs` (with "whileBusy") is the middle way: while a commit is in flight and a slot is free, what
 * arrives waits up to that long for company before it takes the slot (at once when the commits in flight all
 * end meanwhile). An idle store still commits at once; a moderately busy one makes fewer, larger commits (each
 * commit is a WAL flush and a round of statements in the database) for at most `busyWindowMs` more per write.
 *
 * @example
 * ```ts
 * import { GroupCommit } from "./group_commit.ts";
 *
 * const batches: number[][] = [];
 * const group = new GroupCommit<number, void>(2, 500, (items) => {
 *   batches.push(items);
 *   return Promise.resolve(items.map(() => ({ status: "fulfilled", value: undefined })));
 * });
 * await Promise.all([group.submit(1), group.submit(2), group.submit(3)]);
 * console.log(batches); // [[1, 2, 3]]
 * ```
 */
/**
 * Told after each commit: how many submissions it carried, how long it took, whether it stored any (`ok`:
 * false when the commit threw or every submission failed), how many failed, the first failure and, when
 * submissions failed one by one, each one's (a refusal of its data among refusals of every write).
 */
export type CommitObserver = (
  batch: {
    size: number;
    seconds: number;
    ok: boolean;
    failed: number;
    error?: unknown;
    errors?: readonly unknown[];
  },
) => void;

/** A submission's result in a batch: settled, or settling later with a write of its own (`settlesLater`). */
export type BatchResult<O> = PromiseSettledResult<O> | { status: "later"; outcome: Promise<O> };

export function settlesLater<O>(outcome: Promise<O>): BatchResult<O> {
  return { status: "later", outcome };
}

export class GroupCommit<I, O> {
  #queue: { item: I; resolve: (value: O) => void; reject: (err: unknown) => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the oldest queued submission arrived (for `busyWindowMs`). */
  #queuedSince = 0;
  #flushQueued = false;
  readonly #inFlight = new Set<Promise<void>>();

  /**
   * `commit` settles each submission individually (one result per item, in order), or throws to reject them
   * all. A result may be `later` (`settlesLater`): that submission settles with its own write, made after the
   * batch, and the batch frees its place for the next one at once.
   */
  constructor(
    readonly windowMs: number | "whileBusy",
    readonly maxCallers: number,
    readonly commit: (items: I[]) => Promise<BatchResult<O>[]>,
    /** For metrics: batch sizes and commit latency. */
    readonly observer?: CommitObserver,
    /** With "whileBusy": how many commits may be in flight at once (at least 1). */
    readonly maxInFlight = 1,
    /** With "whileBusy": how long a write waits for company while another commit is in flight (0: not at all). */
    readonly busyWindowMs = 0,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      if (this.#queue.length === 0) this.#queuedSince = performance.now();
      this.#queue.push({ item, resolve, reject });
      if (this.#queue.length >= this.maxCallers) this.flush();
      else if (this.windowMs === "whileBusy") this.#flushWhenIdle();
      else if (this.#timer === undefined) this.#timer = setTimeout(() => this.flush(), this.windowMs);
    });
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue.splice(0);
    if (batch.length === 0) return;
    const started = performance.now();
    const observe = (failed: number, error?: unknown, errors?: readonly unknown[]) =>
      this.observer?.({
        size: batch.length,
        seconds: (performance.now() - started) / 1000,
        ok: failed < batch.length,
        failed,
        ...(error === undefined ? {} : { error }),
        ...(errors === undefined ? {} : { errors }),
      });
    const done = this.commit(batch.map((b) => b.item)).then(
      (results) => {
        // Each submission settled on its own: a store that refused every one (a full disk) stored nothing.
        const refusals = results.flatMap((r) => r?.status === "rejected" ? [r.reason] : []);
        const failed = batch.filter((_, i) => results[i] === undefined).length + refusals.length;
        observe(failed, refusals[0], refusals.length > 0 ? refusals : undefined);
        batch.forEach((b, i) => {
          const r = results[i];
          if (r?.status === "fulfilled") b.resolve(r.value);
          else if (r?.status === "later") this.#settleLater(r.outcome, b.resolve, b.reject);
          else b.reject(r ? r.reason : new Error("Group commit returned no result for a caller"));
        });
      },
      (err) => {
        observe(batch.length, err);
        batch.forEach((b) => b.reject(err));
      },
    ).finally(() => {
      this.#inFlight.delete(done);
      if (this.windowMs === "whileBusy") this.#flushWhenIdle();
    });
    this.#inFlight.add(done);
  }

  /** A submission written after its batch: told to the observer as a commit of its own when it settles. */
  #settleLater(outcome: Promise<O>, resolve: (value: O) => void, reject: (err: unknown) => void): void {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    outcome.then(
      (value) => {
        this.observer?.({ size: 1, seconds: seconds(), ok: true, failed: 0 });
        resolve(value);
      },
      (error) => {
        this.observer?.({ size: 1, seconds: seconds(), ok: false, failed: 1, error, errors: [error] });
        reject(error);
      },
    );
  }

  #flushWhenIdle(): void {
    if (this.#flushQueued || this.#inFlight.size >= this.maxInFlight || this.#queue.length === 0) return;
    if (this.#inFlight.size > 0 && this.busyWindowMs > 0) {
      const wait = this.#queuedSince + this.busyWindowMs - performance.now();
      if (wait > 0) {
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.#flushWhenIdle();
        }, wait);
        return;
      }
    }
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      if (this.#inFlight.size < this.maxInFlight) this.flush();
    });
  }

  /** Writes what is pending now and waits for every write in flight. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.#inFlight]);
  }
}

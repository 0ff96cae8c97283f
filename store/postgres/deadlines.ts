/**
 * The deadlines of bounded store calls (`sql.ts` `bounded`) on one timer per timeout length instead of one
 * timer and one racing promise per call. A station's connect and boot are about ten store calls on PostgreSQL;
 * arming and clearing a timer for each, and racing its promise, cost more than the rest of the call's
 * JavaScript.
 *
 * The calls of one timeout length expire in the order they were made, so they are a list from the oldest to
 * the newest: a settled call leaves it at once (a few pointers), and one timer waits for the oldest deadline.
 * When it fires, every call past its deadline is told so, and the timer waits for the next one. A call
 * therefore expires when it would have with a timer of its own.
 */

/** A call waiting for its answer; `expire` is run once its deadline passed, unless it settled first. */
export interface Deadline {
  readonly at: number;
  expire: () => void;
  older: Deadline | null;
  newer: Deadline | null;
  /** The list holding it; null once it left (settled or expired). */
  list: DeadlineList | null;
}

/** The calls of one timeout length, oldest first, and the one timer for the oldest. */
class DeadlineList {
  oldest: Deadline | null = null;
  newest: Deadline | null = null;
  timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly timeoutMs: number, private readonly now: () => number) {}

  add(expire: () => void): Deadline {
    const entry: Deadline = {
      at: this.now() + this.timeoutMs,
      expire,
      older: this.newest,
      newer: null,
      list: this,
    };
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
    if (this.timer === undefined) this.#arm(entry.at);
    return entry;
  }

  remove(entry: Deadline): void {
    if (entry.list !== this) return;
    entry.list = null;
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = entry.newer = null;
    // Nothing left to wait for: no timer keeps the process alive for nothing.
    if (this.oldest === null && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  #arm(at: number): void {
    this.timer = setTimeout(() => this.#fire(), Math.max(0, at - this.now()));
  }

  #fire(): void {
    this.timer = undefined;
    const now = this.now();
    const due: Deadline[] = [];
    while (this.oldest !== null && this.oldest.at <= now) {
      const entry = this.oldest;
      this.remove(entry);
      due.push(entry);
    }
    if (this.oldest !== null) this.#arm(this.oldest.at);
    for (const entry of due) entry.expire();
  }
}

/** Every timeout length's list; `now` is injectable for tests. */
export class Deadlines {
  readonly #lists = new Map<number, DeadlineList>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs `expire` `timeoutMs` from now unless `settle` is called on the result first. */
  add(timeoutMs: number, expire: () => void): Deadline {
    let list = this.#lists.get(timeoutMs);
    if (!list) {
      list = new DeadlineList(timeoutMs, this.now);
      this.#lists.set(timeoutMs, list);
    }
    return list.add(expire);
  }

  /** The call settled: its deadline no longer matters. */
  settle(entry: Deadline): void {
    entry.list?.remove(entry);
  }

  /** Calls waiting (for tests). */
  get pending(): number {
    let n = 0;
    for (const list of this.#lists.values()) {
      for (let e = list.oldest; e; e = e.newer) n++;
    }
    return n;
  }

  /** Timers armed (for tests): one per timeout length with calls waiting, none otherwise. */
  get timers(): number {
    let n = 0;
    for (const list of this.#lists.values()) if (list.timer !== undefined) n++;
    return n;
  }
}

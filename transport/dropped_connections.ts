/**
 * Connections the listener closed before their request was read: past their source's cap of slow ones
 * (`unread_cap`), headers not in within HEADERS_TIMEOUT_S (`headers_timeout`, 408; a TLS handshake not done
 * within it, `handshake_timeout`, closed), headers past the limit
 * (`headers_too_large`, 431) or a request node:http cannot parse (`unreadable`, 400). Each is counted in the
 * metrics; the log gets the first at once and then at most one line a minute saying how many of each since,
 * and the sources that had most: a slowloris source opens thousands.
 *
 * @example
 * ```ts
 * const dropped = new DroppedConnections(logger, metrics);
 * dropped.dropped("unread_cap", "10.0.0.9"); // logged now; the next ones within a minute in one line
 * dropped.close(); // the line still owed, now
 * ```
 */
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics/metrics.ts";

export type DroppedReason =
  | "unread_cap"
  | "headers_timeout"
  | "handshake_timeout"
  | "headers_too_large"
  | "unreadable";

/** Sources named in one line at most (the ones that had most). */
const TOP_SOURCES = 5;
/** Sources counted between two lines at most; the others count in the totals only. */
const MAX_SOURCES = 10_000;

export class DroppedConnections {
  #byReason = new Map<DroppedReason, number>();
  #bySource = new Map<string, number>();
  #lastLineMs = -Infinity;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Pick<Metrics, "connectionDropped">,
    private readonly everyMs = 60_000,
  ) {}

  dropped(reason: DroppedReason, address: string): void {
    this.metrics.connectionDropped(reason);
    this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + 1);
    if (this.#bySource.has(address) || this.#bySource.size < MAX_SOURCES) {
      this.#bySource.set(address, (this.#bySource.get(address) ?? 0) + 1);
    }
    const waitMs = this.#lastLineMs + this.everyMs - performance.now();
    if (waitMs <= 0) return this.#line();
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#line();
    }, waitMs);
    Deno.unrefTimer(this.#timer);
  }

  /** Writes the line still owed (at shutdown). */
  close(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#byReason.size > 0) this.#line();
  }

  #line(): void {
    const counts = Object.fromEntries(this.#byReason);
    const sources = [...this.#bySource].sort((a, b) => b[1] - a[1]).slice(0, TOP_SOURCES)
      .map(([address, closed]) => ({ address, closed }));
    this.logger.warn("connections closed before their request was read", { counts, sources });
    this.#byReason.clear();
    this.#bySource.clear();
    this.#lastLineMs = performance.now();
  }
}

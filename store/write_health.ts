/**
 * Whether the store's writes are failing, told by every group commit (its observer): an episode starts with a
 * commit that refused a write for a reason that refuses every write (`refusesEveryWrite`: a full disk, a
 * database out of reach), whether or not it stored others, and ends with one that stored its writes (or some,
 * refusing the others only for their data) once no write was refused so for its settle time. PostgreSQL on a
 * full data disk stores a write that fits the pages it has (an update in place: a Heartbeat's lastSeen) and
 * refuses any that needs a new one (a meter value, a status report), so its commits were partial (the members
 * written one by one), started no episode, and /readyz said ready while stations were answered InternalError.
 *
 * The settle time follows the refusals: `settleMs` (1 s), or twice the longest gap between two refused writes
 * of the episode with a write stored between them, when longer (at most `recentMs`). A store that refuses only now and then (a quiet site on a
 * full PostgreSQL disk: one station's meter values refused every 5 s, every Heartbeat stored) would otherwise
 * end the episode between two refusals and start a new one at the next (two log lines a time, readiness
 * "ready" at most probes); while a store back after a short outage (refusals milliseconds apart) is ready a
 * second later, not after a fixed long wait that would take every node of a cluster out of rotation at once.
 * A refusal within `recentMs` of an episode's last one resumes it (logged once more, its gap counted), so the
 * first gap of such a pattern is learnt. A write refused for its data
 * (a value too large) neither starts nor extends one: one station's bad value must not make the node
 * unready. The episode is logged once when it starts and once when it ends, with how many writes it refused,
 * so a full disk does not become a log line per station CALL (a log that would fill it further).
 *
 * Readiness asks `problem()`: while the episode's last refused write is recent (`recentMs`) the store cannot
 * take writes. With nobody writing, nothing more is known, and the process counts as ready again (a load
 * balancer that took it out of rotation would otherwise never send it the writes that show it works).
 *
 * @example
 * ```ts
 * import { createMemoryLogger } from "../logger.ts";
 * import { WriteHealth } from "./write_health.ts";
 *
 * const health = new WriteHealth(createMemoryLogger(), {
 *   refusesEveryWrite: (error) => String(error).includes("disk is full"),
 * });
 * health.observe({ size: 3, failed: 3, error: new Error("database or disk is full") });
 * health.problem(); // "Store writes are failing since ...: database or disk is full"
 * health.observe({ size: 2, failed: 0 }); // stored, but a write was refused just now: the episode goes on
 * // ... once no write was refused for the settle time (here 1 s):
 * health.observe({ size: 2, failed: 0 });
 * health.problem(); // null
 * ```
 */
import type { Logger } from "../logger.ts";

/** How long after the last refused write readiness still reports the episode, by default. */
const RECENT_MS = 30_000;
/** How long no write must be refused before a stored one ends the episode, at least, by default. */
const SETTLE_MS = 1_000;

/** What a group commit tells: how many writes it carried, how many failed, the first failure, and each one's. */
export interface CommitOutcome {
  size: number;
  failed: number;
  error?: unknown;
  errors?: readonly unknown[];
}

interface Episode {
  since: number;
  last: number;
  refused: number;
  error: string;
  /** The longest time between two refused writes of the episode with a write stored between them (ms). */
  longestGap: number;
  /** Whether a write was stored since its last refused one. */
  storedSince: boolean;
}

export class WriteHealth {
  #episode: Episode | null = null;
  /** The last episode that ended: a refusal soon after its last one resumes it. */
  #ended: Episode | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly options: {
      /** Whether a write's error says the store takes no writes now (the store's own classifier). */
      refusesEveryWrite: (error: unknown) => boolean;
      now?: () => number;
      recentMs?: number;
      settleMs?: number;
    },
  ) {}

  observe(outcome: CommitOutcome): void {
    const now = this.#now();
    const episode = this.#episode;
    const errors = outcome.errors ?? (outcome.failed > 0 ? [outcome.error] : []);
    const everyWrite = errors.find(this.options.refusesEveryWrite);
    if (everyWrite === undefined) {
      // Stored writes, and refused others only for their data (one station's bad value in every commit after a
      // full disk was freed would otherwise keep the episode, its metric and its quiet log for ever).
      if (episode === null || outcome.failed >= outcome.size) return;
      episode.storedSince = true;
      if (now - episode.last < this.#settleMs(episode)) return;
      this.#episode = null;
      this.#ended = episode;
      this.logger.info("store writes recovered", {
        failingSince: new Date(episode.since).toISOString(),
        seconds: Math.round((now - episode.since) / 1000),
        refusedWrites: episode.refused,
      });
      return;
    }
    if (episode !== null) {
      this.#refusedAgain(episode, now, outcome, everyWrite);
      return;
    }
    const ended = this.#ended;
    if (ended !== null && now - ended.last <= this.#recentMs()) {
      // Refused again soon after it ended: the same trouble, which refuses only now and then.
      this.#refusedAgain(ended, now, outcome, everyWrite);
      this.#episode = ended;
      this.#ended = null;
      this.logger.error("store writes failing again", {
        error: ended.error,
        secondsSinceLastRefused: Math.round(ended.longestGap / 1000),
        hint:
          "Writes were stored between refused ones: the store refuses only some (a full disk that still " +
          "takes updates in place); this episode now ends only after a longer time without a refusal",
      });
      return;
    }
    const error = describe(everyWrite);
    this.#episode = {
      since: now,
      last: now,
      refused: outcome.failed,
      error,
      longestGap: 0,
      storedSince: false,
    };
    this.#ended = null;
    this.logger.error("store writes failing", {
      error,
      hint: "Stations are answered InternalError until writes are stored again; " +
        "this is logged again only when they are (a full disk: free space on it, no restart needed)",
    });
  }

  /** True while an episode lasts (a refused write is then the episode's, already logged). */
  get failing(): boolean {
    return this.#episode !== null;
  }

  /** Why the store cannot take writes now, or null when it can (or nothing has been refused lately). */
  problem(): string | null {
    const episode = this.#episode;
    if (episode === null || this.#now() - episode.last > this.#recentMs()) return null;
    return `Store writes are failing since ${new Date(episode.since).toISOString()} (${episode.refused} ` +
      `refused): ${episode.error}`;
  }

  #refusedAgain(episode: Episode, now: number, outcome: CommitOutcome, error: unknown): void {
    // Only a gap with a write stored in it (or beside the refused one) tells of a store that refuses some
    // writes: during an outage that refuses every one, the gaps are the stations' retry intervals.
    if (episode.storedSince || outcome.failed < outcome.size) {
      episode.longestGap = Math.max(episode.longestGap, now - episode.last);
    }
    episode.storedSince = false;
    episode.refused += outcome.failed;
    episode.last = now;
    episode.error = describe(error);
  }

  /** How long after its last refused write a stored one ends `episode`: see the module's comment. */
  #settleMs(episode: Episode): number {
    return Math.min(this.#recentMs(), Math.max(this.options.settleMs ?? SETTLE_MS, 2 * episode.longestGap));
  }

  #recentMs(): number {
    return this.options.recentMs ?? RECENT_MS;
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error ?? "unknown error");
}

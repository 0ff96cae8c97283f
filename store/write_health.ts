/**
 * Whether the store's writes are failing, told by every group commit (its observer): an episode starts with a
 * commit that refused a write for a reason that refuses every write (`refusesEveryWrite`: a full disk, a
 * database out of reach), whether or not it stored others, and ends with one that stored its writes (or some,
 * refusing the others only for their data) once no write was refused so for `settleMs` (1 s). PostgreSQL on a full data disk stores a write that fits the pages
 * it has (an update in place: a Heartbeat's lastSeen) and refuses any that needs a new one, so its commits
 * were partial (the members written one by one), started no episode, and /readyz said ready while stations
 * were answered InternalError; and a commit that stored all its writes between two refused ones would end
 * the episode, a new one starting at the next (two log lines a time, readiness flapping). A write refused for its data
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
 * // ... once no write was refused for settleMs:
 * health.observe({ size: 2, failed: 0 });
 * health.problem(); // null
 * ```
 */
import type { Logger } from "../logger.ts";

/** How long after the last refused write readiness still reports the episode, by default. */
const RECENT_MS = 30_000;
/** How long no write must be refused before a stored one ends the episode, by default. */
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
}

export class WriteHealth {
  #episode: Episode | null = null;

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
      if (now - episode.last < (this.options.settleMs ?? SETTLE_MS)) return;
      this.#episode = null;
      this.logger.info("store writes recovered", {
        failingSince: new Date(episode.since).toISOString(),
        seconds: Math.round((now - episode.since) / 1000),
        refusedWrites: episode.refused,
      });
      return;
    }
    if (episode !== null) {
      episode.refused += outcome.failed;
      episode.last = now;
      episode.error = describe(everyWrite);
      return;
    }
    const error = describe(everyWrite);
    this.#episode = { since: now, last: now, refused: outcome.failed, error };
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
    if (episode === null || this.#now() - episode.last > (this.options.recentMs ?? RECENT_MS)) return null;
    return `Store writes are failing since ${new Date(episode.since).toISOString()} (${episode.refused} ` +
      `refused): ${episode.error}`;
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error ?? "unknown error");
}

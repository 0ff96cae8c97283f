/**
 * The store's group commits over a measured window, from two scrapes of the server's own `/metrics` (the
 * `csms_store_commit_*` histograms every store feeds): how many commits a second, how many writes each
 * carried, how long they took, and the share slower than a bound. Tells a tail made of single slow commits (a
 * sync, a checkpoint) from one made of queueing, and a closed loop's large commits from a fixed rate's small
 * ones, without a scratch build.
 */

/** One scrape's successful commits: counts and sums of both histograms, and the duration buckets. */
export interface CommitScrape {
  commits: number;
  seconds: number;
  writes: number;
  /** Cumulative commits per duration bound (`le`, seconds). */
  durationBuckets: Map<number, number>;
}

export interface CommitWindow {
  perS: number;
  meanSize: number;
  meanMs: number;
  /** Share of the window's commits slower than `slowMs` (%), null when `slowMs` is not a bucket bound. */
  slowPct: number | null;
  slowMs: number;
}

const OK = 'outcome="ok"';

/** Reads the successful commits out of Prometheus text (other series and failed commits are ignored). */
export function parseCommitScrape(text: string): CommitScrape {
  const scrape: CommitScrape = { commits: 0, seconds: 0, writes: 0, durationBuckets: new Map() };
  for (const line of text.split("\n")) {
    if (!line.startsWith("csms_store_commit_") || !line.includes(OK)) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (!Number.isFinite(value)) continue;
    if (line.startsWith("csms_store_commit_duration_seconds_count")) scrape.commits = value;
    else if (line.startsWith("csms_store_commit_duration_seconds_sum")) scrape.seconds = value;
    else if (line.startsWith("csms_store_commit_batch_size_sum")) scrape.writes = value;
    else if (line.startsWith("csms_store_commit_duration_seconds_bucket")) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      if (le !== undefined && le !== "+Inf") scrape.durationBuckets.set(Number(le), value);
    }
  }
  return scrape;
}

/** The commits between two scrapes `windowS` seconds apart; null when none committed. */
export function commitWindow(
  before: CommitScrape,
  after: CommitScrape,
  windowS: number,
  slowMs = 25,
): CommitWindow | null {
  const commits = after.commits - before.commits;
  if (commits <= 0 || windowS <= 0) return null;
  const bound = slowMs / 1000;
  const fastAfter = after.durationBuckets.get(bound);
  const fastBefore = before.durationBuckets.get(bound) ?? 0;
  const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
  return {
    perS: round(commits / windowS, 1),
    meanSize: round((after.writes - before.writes) / commits, 1),
    meanMs: round((after.seconds - before.seconds) / commits * 1000, 2),
    slowPct: fastAfter === undefined ? null : round((1 - (fastAfter - fastBefore) / commits) * 100, 1),
    slowMs,
  };
}

export function commitWindowText(w: CommitWindow): string {
  const slow = w.slowPct === null ? "" : `, ${w.slowPct}% over ${w.slowMs} ms`;
  return `group commits ${w.perS}/s, ${w.meanSize} writes each, ${w.meanMs} ms mean${slow}`;
}

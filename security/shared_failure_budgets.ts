/**
 * The station key checks' failure budgets as a cluster keeps them (cluster/postgres_views.ts), so a guesser
 * that spreads its handshakes over N nodes gets one budget, not N. Each node still keeps its own buckets in
 * memory (`StationKeyChecks`): they decide before a check at no cost, and this is asked besides, once per
 * check a node's own budget allows. Only failed checks write: a station with its right key costs a read.
 *
 * A check read as allowed on two nodes at once may both fail: the cluster lets through at most the checks
 * already running (`STATION_AUTH_CHECKS_PER_SOURCE` per node) past the budget, as one process does.
 */
import type { Budget, TokenBucket } from "./source_buckets.ts";

/** One budget by name: its source's or its /48's key, with its size and rate (per second). */
export interface BudgetSpec {
  key: string;
  burst: number;
  rate: number;
}

/**
 * Time is the shared store's own clock, not the asking node's: the nodes' clocks may differ by seconds, and a
 * budget spent by one and refilled by another's clock would hold a source out (or let it in) that much longer.
 */
export interface SharedFailureBudgets {
  /** How long until each of `budgets` holds a token again, cluster-wide (0: a check may go ahead). */
  waitMs(budgets: readonly BudgetSpec[]): Promise<number>;
  /** A failed check spends one token of each of `budgets`, cluster-wide. */
  spend(budgets: readonly BudgetSpec[]): Promise<void>;
}

/** The specs of a node's budgets (their keys, sizes and rates), for the shared ones of the same names. */
export function budgetSpecs(budgets: readonly Budget<TokenBucket>[]): BudgetSpec[] {
  return budgets.map(({ key, burst, rate }) => ({ key, burst, rate }));
}

/** A stored bucket refilled up to `nowMs`: the tokens it holds then (at most `burst`). */
export function refilledTokens(
  stored: { tokens: number; atMs: number },
  spec: Pick<BudgetSpec, "burst" | "rate">,
  nowMs: number,
): number {
  return Math.min(spec.burst, stored.tokens + Math.max(0, nowMs - stored.atMs) / 1000 * spec.rate);
}

/** How long until a bucket holding `tokens` has one (0: it has; 60 s for one that never refills). */
export function waitForToken(tokens: number, rate: number): number {
  return tokens >= 1 ? 0 : rate > 0 ? Math.ceil((1 - tokens) / rate * 1000) : 60_000;
}

/**
 * Splits a batch of changes into rounds in which each station appears at most once, in order: a round is one
 * commit whose members never touch the same rows (every key a station writes carries its id), and a station's
 * second write of a batch is read against its first. One actor awaits each commit, so a second write of one
 * station in a batch only happens when tools or tests write concurrently.
 *
 * @example
 * ```ts
 * import { roundsByStation } from "./rounds.ts";
 * roundsByStation([{ chargePointId: "A" }, { chargePointId: "A" }, { chargePointId: "B" }], (x) => x.chargePointId);
 * // [[0, 2], [1]] (indexes into the batch)
 * ```
 */
export function roundsByStation<T>(batch: readonly T[], stationOf: (item: T) => string): number[][] {
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  batch.forEach((item, i) => {
    const station = stationOf(item);
    const round = (seen.get(station) ?? -1) + 1;
    seen.set(station, round);
    (rounds[round] ??= []).push(i);
  });
  return rounds;
}

/**
 * Commits a batch round by round (`roundsByStation`): `commitRound` gets members of distinct stations and
 * settles each; the results come back in batch order.
 */
export async function inRounds<T extends { chargePointId: string }, R>(
  batch: readonly T[],
  commitRound: (members: T[]) => Promise<R[]>,
): Promise<R[]> {
  const results: R[] = new Array(batch.length);
  for (const round of roundsByStation(batch, (c) => c.chargePointId)) {
    const out = await commitRound(round.map((i) => batch[i]!));
    round.forEach((i, k) => (results[i] = out[k]!));
  }
  return results;
}

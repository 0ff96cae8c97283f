/**
 * Drivers who come by on their own (`--sessions`), so a demo fleet charges without anyone clicking: on each
 * connector sessions arrive at a rate per hour with an idTag from a list, charge for a while and leave.
 * Pure: `nextSession()` says who and when; the simulation plays it.
 */
import type { Random } from "./random.ts";

export interface DriverPlan {
  /** Sessions per connector per hour. */
  sessionsPerHour: number;
  idTags: readonly string[];
  /** How long a driver stays, in minutes: [shortest, longest]. */
  stayMinutes: readonly [number, number];
}

export interface PlannedSession {
  afterMs: number;
  idTag: string;
  staysMs: number;
}

/**
 * @example
 * ```ts
 * nextSession(createRandom(1), { sessionsPerHour: 1, idTags: ["CARD-1"], stayMinutes: [20, 90] });
 * // { afterMs: 2051233, idTag: "CARD-1", staysMs: 3120000 }
 * ```
 */
export function nextSession(random: Random, plan: DriverPlan): PlannedSession {
  const [shortest, longest] = plan.stayMinutes;
  return {
    afterMs: random.exponential(3_600_000 / plan.sessionsPerHour),
    idTag: random.pick(plan.idTags),
    staysMs: random.between(shortest, longest) * 60_000,
  };
}

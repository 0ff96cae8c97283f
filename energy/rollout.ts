/**
 * The rollout of a new allocation: which SetChargingProfile commands to send, in which order, so that the sum
 * of what the stations may draw never exceeds what the site has, not even halfway through.
 *
 * Two phases: first every station whose limit goes down (in any order, in parallel: each one only lowers the
 * sum), then, once every one of them has accepted, every station whose limit goes up (each one raises the sum,
 * but never beyond the new allocation, which fits). A decrease that is not accepted stops the rollout before
 * any increase (see `executeRollout`).
 *
 * Small changes are not worth a command: an increase below `minChangeA` is skipped (the session keeps its
 * lower limit, which only leaves capacity unused), and so is a small decrease as long as the capacity the
 * skipped ones keep still fits.
 *
 * @example
 * ```ts
 * import { planRollout } from "./rollout.ts";
 * const plan = planRollout({
 *   availableA: 16,
 *   sessions: [
 *     { id: "CP-1/1", chargePointId: "CP-1", connectorId: 1, transactionId: 7, currentA: 16, targetA: 8 },
 *     { id: "CP-2/1", chargePointId: "CP-2", connectorId: 1, transactionId: 8, currentA: 0, targetA: 8 },
 *   ],
 *   settings: { minChangeA: 1, stackLevel: 1, profileIdBase: 900000 },
 * });
 * plan.lower.map((s) => s.sessionId); // ["CP-1/1"]
 * plan.raise.map((s) => s.sessionId); // ["CP-2/1"]
 * ```
 */
import type { SetChargingProfileRequest } from "../protocol/ocpp16/set_charging_profile.ts";

export interface RolloutSettings {
  /** Changes smaller than this are not sent (when skipping them keeps the sum within the site's capacity). */
  minChangeA: number;
  /** The stack level of our TxProfiles; an operator's TxProfile on a higher level overrides them. */
  stackLevel: number;
  /** Our TxProfile on connector N has chargingProfileId `profileIdBase + N` (stable: each update replaces it). */
  profileIdBase: number;
}

export interface RolloutSession {
  /** The allocator's session id. */
  id: string;
  chargePointId: string;
  connectorId: number;
  transactionId: number;
  /**
   * What the station may draw now: the limit it accepted last, or, when none of ours is known, what it may
   * draw without one (its TxDefaultProfile limit or its maximum).
   */
  currentA: number;
  /** The new allocation's limit. */
  targetA: number;
}

export interface RolloutInput {
  /** What the steerable sessions may draw together (Allocation.availableA). */
  availableA: number;
  sessions: readonly RolloutSession[];
  settings: RolloutSettings;
}

export interface RolloutStep {
  sessionId: string;
  chargePointId: string;
  fromA: number;
  toA: number;
  request: SetChargingProfileRequest;
}

export interface RolloutPlan {
  /** Send these first (all of them may go at once) and wait until every one is accepted. */
  lower: RolloutStep[];
  /** Then these. */
  raise: RolloutStep[];
  /** What each session may draw once the plan is through, by session id. */
  final: Record<string, number>;
}

const units = (amps: number) => Math.round(amps * 10);

export function planRollout(input: RolloutInput): RolloutPlan {
  const { settings } = input;
  const minChange = units(settings.minChangeA);
  const final = new Map(input.sessions.map((s) => [s.id, units(s.targetA)]));
  for (const s of input.sessions) {
    const delta = units(s.targetA) - units(s.currentA);
    if (delta > 0 && delta < minChange) final.set(s.id, units(s.currentA));
  }
  // Small decreases are skipped, the smallest first, while what they keep still fits.
  let slack = units(input.availableA) - [...final.values()].reduce((a, b) => a + b, 0);
  const smallDecreases = input.sessions
    .filter((s) => units(s.currentA) > units(s.targetA) && units(s.currentA) - units(s.targetA) < minChange)
    .sort((a, b) => units(a.currentA) - units(a.targetA) - (units(b.currentA) - units(b.targetA)));
  for (const s of smallDecreases) {
    const keep = units(s.currentA) - units(s.targetA);
    if (keep > slack) break;
    final.set(s.id, units(s.currentA));
    slack -= keep;
  }

  const lower: RolloutStep[] = [];
  const raise: RolloutStep[] = [];
  for (const s of input.sessions) {
    const to = final.get(s.id)!;
    const from = units(s.currentA);
    if (to === from) continue;
    const step: RolloutStep = {
      sessionId: s.id,
      chargePointId: s.chargePointId,
      fromA: from / 10,
      toA: to / 10,
      request: txProfileRequest(s, to / 10, settings),
    };
    (to < from ? lower : raise).push(step);
  }
  return { lower, raise, final: Object.fromEntries([...final].map(([id, u]) => [id, u / 10])) };
}

/**
 * Our TxProfile for a session: one period from the start of the transaction (Relative, so the station's
 * clock does not matter), in amps per phase, replacing our previous one on the connector (same id).
 */
export function txProfileRequest(
  session: { connectorId: number; transactionId: number },
  limitA: number,
  settings: Pick<RolloutSettings, "stackLevel" | "profileIdBase">,
): SetChargingProfileRequest {
  return {
    connectorId: session.connectorId,
    csChargingProfiles: {
      chargingProfileId: settings.profileIdBase + session.connectorId,
      transactionId: session.transactionId,
      stackLevel: settings.stackLevel,
      chargingProfilePurpose: "TxProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: {
        chargingRateUnit: "A",
        chargingSchedulePeriod: [{ startPeriod: 0, limit: limitA }],
      },
    },
  };
}

/** How one step ended: accepted, or why not (the station's status, an error). */
export type StepOutcome = { accepted: true } | { accepted: false; reason: string };

export interface RolloutResult {
  /** False when a decrease was not accepted: no increase was sent, and the caller should plan again. */
  complete: boolean;
  /** True when `proceed` said no before a phase: what followed was not sent (the plan is stale). */
  stopped?: boolean;
  outcomes: { step: RolloutStep; outcome: StepOutcome }[];
}

/**
 * Runs a plan: every decrease at once, then, only if all of them were accepted, every increase. `send`
 * delivers one SetChargingProfile and says whether the station accepted it; it must not throw (a thrown
 * error counts as not accepted). `proceed`, asked before each phase that sends, may stop the rollout there
 * (a cluster's division that lost its site's lock).
 */
export async function executeRollout(
  plan: RolloutPlan,
  send: (step: RolloutStep) => Promise<StepOutcome>,
  proceed: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<RolloutResult> {
  const run = (steps: RolloutStep[]) =>
    Promise.all(steps.map(async (step) => {
      let outcome: StepOutcome;
      try {
        outcome = await send(step);
      } catch (error) {
        outcome = { accepted: false, reason: String(error) };
      }
      return { step, outcome };
    }));
  if (plan.lower.length > 0 && !await proceed()) return { complete: false, stopped: true, outcomes: [] };
  const lowered = await run(plan.lower);
  if (lowered.some((r) => !r.outcome.accepted)) return { complete: false, outcomes: lowered };
  if (plan.raise.length > 0 && !await proceed()) return { complete: false, stopped: true, outcomes: lowered };
  const raised = await run(plan.raise);
  return { complete: raised.every((r) => r.outcome.accepted), outcomes: [...lowered, ...raised] };
}

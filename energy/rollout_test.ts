import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { allocate } from "./allocate.ts";
import {
  executeRollout,
  planRollout,
  type RolloutInput,
  type RolloutSession,
  type RolloutStep,
  type StepOutcome,
  txProfileRequest,
} from "./rollout.ts";

const SETTINGS = { minChangeA: 1, stackLevel: 1, profileIdBase: 900000 };

function session(n: number, currentA: number, targetA: number): RolloutSession {
  return {
    id: `CP-${n}/1`,
    chargePointId: `CP-${n}`,
    connectorId: 1,
    transactionId: 100 + n,
    currentA,
    targetA,
  };
}

Deno.test("planRollout() lowers before it raises when the site limit drops from 32 A to 16 A", () => {
  const plan = planRollout({
    availableA: 16,
    sessions: [session(1, 16, 8), session(2, 16, 8)],
    settings: SETTINGS,
  });
  assertEquals(plan.lower.map((s) => [s.sessionId, s.fromA, s.toA]), [["CP-1/1", 16, 8], ["CP-2/1", 16, 8]]);
  assertEquals(plan.raise, []);
});

Deno.test("planRollout() raises the others only after a new session is lowered from its maximum", () => {
  // A third session appears with no profile of ours yet: it may draw its maximum until lowered.
  const sessions = [session(1, 10, 10.7), session(2, 10, 10.7), session(3, 32, 10.6)];
  const plan = planRollout({ availableA: 32, sessions, settings: { ...SETTINGS, minChangeA: 0 } });
  assertEquals(plan.lower.map((s) => s.sessionId), ["CP-3/1"]);
  assertEquals(plan.raise.map((s) => s.sessionId), ["CP-1/1", "CP-2/1"]);
});

Deno.test("planRollout() skips an increase below minChangeA and a small decrease the site can afford", () => {
  const plan = planRollout({
    availableA: 32,
    sessions: [session(1, 10.6, 10.7), session(2, 10.7, 10.6), session(3, 10, 10.7)],
    settings: SETTINGS,
  });
  assertEquals(plan.lower, []);
  assertEquals(plan.raise, []);
  assertEquals(plan.final, { "CP-1/1": 10.6, "CP-2/1": 10.7, "CP-3/1": 10 });
});

Deno.test("planRollout() still sends a small decrease the site cannot afford to skip", () => {
  const plan = planRollout({
    availableA: 21.3,
    sessions: [session(1, 11, 10.7), session(2, 10.6, 10.6)],
    settings: SETTINGS,
  });
  assertEquals(plan.lower.map((s) => [s.sessionId, s.toA]), [["CP-1/1", 10.7]]);
});

Deno.test("txProfileRequest() is a Relative TxProfile in amps that replaces ours on the connector", () => {
  assertEquals(txProfileRequest({ connectorId: 2, transactionId: 41 }, 7.5, SETTINGS), {
    connectorId: 2,
    csChargingProfiles: {
      chargingProfileId: 900002,
      transactionId: 41,
      stackLevel: 1,
      chargingProfilePurpose: "TxProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 7.5 }] },
    },
  });
});

// ---------------------------------------------------------------------------------------------- properties

const tenths = (min: number, max: number) => fc.integer({ min: min * 10, max: max * 10 }).map((u) => u / 10);
const units = (amps: number) => Math.round(amps * 10);

/** Random sessions whose targets come from the real allocator, so they fit `availableA`. */
const inputArb: fc.Arbitrary<RolloutInput> = fc.record({
  limitA: tenths(0, 120),
  current: fc.array(fc.oneof(tenths(0, 40), fc.constant(32)), { maxLength: 10 }),
  minChangeA: fc.oneof(fc.constant(0), tenths(0.1, 4)),
}).map(({ limitA, current, minChangeA }) => {
  const now = new Date("2025-03-01T12:00:00.000Z");
  const allocation = allocate({
    limitA,
    sessions: current.map((c, i) => ({
      id: `CP-${i}/1`,
      startedAt: new Date(now.getTime() - (100 - i) * 1000).toISOString(),
      maxCurrentA: 32,
      control: { kind: "profiles", limitA: c },
    })),
    measurements: {},
    settings: { minCurrentA: 6, headroomA: 2, measurementMaxAgeS: 60 },
    now,
  });
  return {
    availableA: allocation.availableA,
    sessions: current.map((c, i) => ({ ...session(i, c, allocation.shares[i]!.limitA), id: `CP-${i}/1` })),
    settings: { ...SETTINGS, minChangeA },
  };
});

/** An order to run the steps of one phase in: the stations answer in any order. */
const orderArb = fc.array(fc.nat(), { minLength: 20, maxLength: 20 });

function shuffle<T>(items: T[], keys: number[]): T[] {
  return items.map((item, i) => ({ item, key: keys[i % keys.length]! * 31 + i }))
    .sort((a, b) => a.key - b.key).map((x) => x.item);
}

Deno.test("property: whatever order the stations accept in, the sum never exceeds the site once lowering is done, and never rises while lowering", () => {
  fc.assert(
    fc.property(inputArb, orderArb, orderArb, (input, lowerOrder, raiseOrder) => {
      const plan = planRollout(input);
      const values = new Map(input.sessions.map((s) => [s.id, units(s.currentA)]));
      const sum = () => [...values.values()].reduce((a, b) => a + b, 0);
      const available = units(input.availableA);
      let previous = sum();
      for (const step of shuffle(plan.lower, lowerOrder)) {
        values.set(step.sessionId, units(step.toA));
        assert(sum() <= previous, "a decrease raised the sum");
        previous = sum();
      }
      assert(sum() <= available, `after lowering ${sum()} > ${available}`);
      for (const step of shuffle(plan.raise, raiseOrder)) {
        values.set(step.sessionId, units(step.toA));
        assert(sum() <= available, `while raising ${sum()} > ${available}`);
      }
      for (const [id, value] of values) assertEquals(value, units(plan.final[id]!));
    }),
    { numRuns: 500 },
  );
});

Deno.test("property: every session ends at its target or, for a change below minChangeA, where it was", () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const plan = planRollout(input);
      for (const s of input.sessions) {
        const final = units(plan.final[s.id]!);
        if (final !== units(s.targetA)) {
          assertEquals(final, units(s.currentA));
          assert(Math.abs(units(s.targetA) - units(s.currentA)) < units(input.settings.minChangeA));
        }
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("property: each session gets at most one command, lowering steps lower and raising steps raise, with the TxProfile limit they name", () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const plan = planRollout(input);
      const ids = [...plan.lower, ...plan.raise].map((s) => s.sessionId);
      assertEquals(new Set(ids).size, ids.length);
      for (const s of plan.lower) assert(s.toA < s.fromA);
      for (const s of plan.raise) assert(s.toA > s.fromA);
      for (const s of [...plan.lower, ...plan.raise]) {
        const profile = s.request.csChargingProfiles;
        assertEquals(profile.chargingProfilePurpose, "TxProfile");
        assertEquals(profile.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: s.toA }]);
      }
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------------------------- execution

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

Deno.test("executeRollout() sends no increase before every decrease is accepted", async () => {
  const plan = planRollout({
    availableA: 32,
    sessions: [session(1, 32, 10.7), session(2, 32, 10.7), session(3, 0, 10.6)],
    settings: SETTINGS,
  });
  const sent: string[] = [];
  const answers = new Map<string, ReturnType<typeof deferred<StepOutcome>>>();
  const running = executeRollout(plan, (step: RolloutStep) => {
    sent.push(step.sessionId);
    const answer = deferred<StepOutcome>();
    answers.set(step.sessionId, answer);
    return answer.promise;
  });
  await Promise.resolve();
  assertEquals(sent, ["CP-1/1", "CP-2/1"]);
  answers.get("CP-2/1")!.resolve({ accepted: true });
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(sent, ["CP-1/1", "CP-2/1"], "an increase went out while a decrease was unanswered");
  answers.get("CP-1/1")!.resolve({ accepted: true });
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(sent, ["CP-1/1", "CP-2/1", "CP-3/1"]);
  answers.get("CP-3/1")!.resolve({ accepted: true });
  assertEquals((await running).complete, true);
});

Deno.test("executeRollout() stops before raising anyone when a decrease is rejected or fails", async () => {
  const plan = planRollout({
    availableA: 16,
    sessions: [session(1, 16, 8), session(2, 16, 8), session(3, 0, 0.1)],
    settings: { ...SETTINGS, minChangeA: 0 },
  });
  for (
    const failing of [
      () => Promise.resolve<StepOutcome>({ accepted: false, reason: "Rejected" }),
      () => Promise.reject(new Error("timeout")),
    ]
  ) {
    const sent: string[] = [];
    const result = await executeRollout(plan, (step) => {
      sent.push(step.sessionId);
      return step.sessionId === "CP-2/1" ? failing() : Promise.resolve({ accepted: true });
    });
    assertEquals(result.complete, false);
    assertEquals(sent, ["CP-1/1", "CP-2/1"]);
    assertEquals(result.outcomes.find((o) => o.step.sessionId === "CP-2/1")?.outcome.accepted, false);
  }
});

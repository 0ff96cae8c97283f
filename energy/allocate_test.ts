import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import {
  allocate,
  type AllocationInput,
  type AllocationSettings,
  compareSessions,
  type Measurement,
  type SessionInput,
  type Share,
} from "./allocate.ts";

const NOW = new Date("2025-03-01T12:00:00.000Z");
const SETTINGS: AllocationSettings = { minCurrentA: 6, headroomA: 2, measurementMaxAgeS: 120 };

function session(
  id: string,
  minute: number,
  control: SessionInput["control"] = { kind: "profiles", limitA: null },
) {
  return {
    id,
    startedAt: new Date(NOW.getTime() - (60 - minute) * 60_000).toISOString(),
    maxCurrentA: 32,
    control,
  } satisfies SessionInput;
}

function limits(input: Partial<AllocationInput> & Pick<AllocationInput, "sessions">): Record<string, number> {
  const allocation = allocate({ limitA: 32, measurements: {}, settings: SETTINGS, now: NOW, ...input });
  return Object.fromEntries(allocation.shares.map((s) => [s.sessionId, s.limitA]));
}

Deno.test("allocate() divides 32 A equally among four sessions", () => {
  const sessions = ["A", "B", "C", "D"].map((id, i) => session(id, i));
  assertEquals(limits({ sessions }), { A: 8, B: 8, C: 8, D: 8 });
});

Deno.test("allocate() gives the tenths that do not divide evenly to the oldest sessions", () => {
  const sessions = ["A", "B", "C"].map((id, i) => session(id, i));
  assertEquals(limits({ sessions }), { A: 10.7, B: 10.7, C: 10.6 });
});

Deno.test("allocate() lets the newest session wait at 0 A when the site cannot give it the minimum", () => {
  const sessions = ["A", "B", "C", "D", "E", "F"].map((id, i) => session(id, i));
  const allocation = allocate({ limitA: 32, sessions, measurements: {}, settings: SETTINGS, now: NOW });
  assertEquals(allocation.shares.map((s) => [s.sessionId, s.kind, s.limitA]), [
    ["A", "allocated", 6.4],
    ["B", "allocated", 6.4],
    ["C", "allocated", 6.4],
    ["D", "allocated", 6.4],
    ["E", "allocated", 6.4],
    ["F", "waiting", 0],
  ]);
});

Deno.test("allocate() gives what an EV does not draw to the others", () => {
  const sessions = [
    session("A", 0, { kind: "profiles", limitA: 16 }),
    session("B", 1, { kind: "profiles", limitA: 16 }),
  ];
  const measurements = { A: { currentA: 7, at: NOW.toISOString() } };
  // A draws 7 A of its 16: it keeps 7 + 2 headroom, B gets the rest.
  assertEquals(limits({ sessions, measurements }), { A: 9, B: 23 });
});

Deno.test("allocate() ignores a stale measurement", () => {
  const sessions = [
    session("A", 0, { kind: "profiles", limitA: 16 }),
    session("B", 1, { kind: "profiles", limitA: 16 }),
  ];
  const measurements = { A: { currentA: 7, at: new Date(NOW.getTime() - 121_000).toISOString() } };
  assertEquals(limits({ sessions, measurements }), { A: 16, B: 16 });
});

Deno.test("allocate() keeps a steady EV capped: its draw plus headroom stays within the margin", () => {
  const sessions = [
    session("A", 0, { kind: "profiles", limitA: 9 }),
    session("B", 1, { kind: "profiles", limitA: 23 }),
  ];
  const measurements = { A: { currentA: 7.5, at: NOW.toISOString() } };
  assertEquals(limits({ sessions, measurements }), { A: 9.5, B: 22.5 });
  // Drawing all it may: it asks for more again.
  const full = { A: { currentA: 8.9, at: NOW.toISOString() } };
  assertEquals(limits({ sessions, measurements: full }), { A: 16, B: 16 });
});

Deno.test("allocate() counts a station that refuses profiles at its maximum and an offline one at its last limit", () => {
  const sessions = [
    { ...session("R", 0, { kind: "refuses" }), maxCurrentA: 10 },
    session("O", 1, { kind: "offline", limitA: 8, leaseUntil: new Date(NOW.getTime() + 1000).toISOString() }),
    session("X", 2, { kind: "offline", limitA: 8, leaseUntil: NOW.toISOString() }),
    session("A", 3),
  ];
  const allocation = allocate({ limitA: 32, sessions, measurements: {}, settings: SETTINGS, now: NOW });
  assertEquals(allocation.fixedA, 18);
  assertEquals(allocation.shares.map((s) => [s.sessionId, s.kind, s.countedA]), [
    ["R", "refuses", 10],
    ["O", "offline", 8],
    ["X", "released", 0],
    ["A", "allocated", 14],
  ]);
});

Deno.test("allocate() gives nothing when the sessions it cannot steer already exceed the limit", () => {
  const sessions = [{ ...session("R", 0, { kind: "refuses" }) }, session("A", 1)];
  const allocation = allocate({ limitA: 16, sessions, measurements: {}, settings: SETTINGS, now: NOW });
  assertEquals(allocation.availableA, 0);
  assertEquals(allocation.shares[1]?.kind, "waiting");
});

// ---------------------------------------------------------------------------------------------- properties

const tenths = (min: number, max: number) => fc.integer({ min: min * 10, max: max * 10 }).map((u) => u / 10);

const controlArb: fc.Arbitrary<SessionInput["control"]> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("profiles" as const), limitA: fc.option(tenths(0, 80)) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("refuses" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("offline" as const),
      limitA: fc.option(tenths(0, 80)),
      leaseUntil: fc.integer({ min: -600, max: 600 }).map((s) =>
        new Date(NOW.getTime() + s * 1000).toISOString()
      ),
    }),
  },
);

const inputArb: fc.Arbitrary<AllocationInput> = fc
  .uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      // Few distinct start times: ties must be broken by id.
      startedAt: fc.integer({ min: 0, max: 20 }).map((m) =>
        new Date(NOW.getTime() - m * 60_000).toISOString()
      ),
      maxCurrentA: fc.oneof(fc.constantFrom(6, 10, 16, 32, 63), tenths(1, 8), tenths(1, 80)),
      capA: fc.option(tenths(0, 40), { nil: undefined }),
      control: controlArb,
      measured: fc.option(fc.record({ currentA: tenths(0, 80), ageS: fc.integer({ min: 0, max: 300 }) })),
    }),
    { selector: (s) => s.id, maxLength: 12 },
  )
  .chain((raw) =>
    fc.record({
      limitA: fc.oneof(tenths(0, 200), fc.double({ min: 0, max: 200, noNaN: true })),
      settings: fc.record({
        minCurrentA: fc.oneof(fc.constant(6), tenths(1, 16)),
        headroomA: tenths(0.2, 6),
        measurementMaxAgeS: fc.integer({ min: 10, max: 300 }),
      }),
    }).map(({ limitA, settings }) => {
      const measurements: Record<string, Measurement> = {};
      for (const r of raw) {
        if (r.measured) {
          measurements[r.id] = {
            currentA: r.measured.currentA,
            at: new Date(NOW.getTime() - r.measured.ageS * 1000).toISOString(),
          };
        }
      }
      const sessions = raw.map(({ measured: _, capA, ...s }): SessionInput =>
        capA === undefined ? s : { ...s, capA }
      );
      return { limitA, sessions, measurements, settings, now: NOW };
    })
  );

/** Enough random sites to reach the rare corners (a station whose maximum is below the minimum). */
const RUNS = { numRuns: 500 };

const units = (amps: number) => Math.round(amps * 10);
const steerable = (s: Share) => s.kind === "allocated" || s.kind === "waiting";
const byId = (input: AllocationInput) => new Map(input.sessions.map((s) => [s.id, s]));
const minUnitsOf = (input: AllocationInput, s: SessionInput) =>
  Math.min(Math.ceil(input.settings.minCurrentA * 10 - 1e-6), Math.floor(s.maxCurrentA * 10 + 1e-6));

Deno.test("property: the steerable sessions never get more than the limit minus what is counted for the rest", () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const a = allocate(input);
      const allocated = a.shares.filter(steerable).reduce((sum, s) => sum + units(s.limitA), 0);
      const fixed = a.shares.filter((s) => !steerable(s)).reduce((sum, s) => sum + units(s.countedA), 0);
      assertEquals(units(a.fixedA), fixed);
      assertEquals(units(a.allocatedA), allocated);
      assert(allocated <= units(a.availableA));
      assert(units(a.availableA) <= Math.max(0, Math.floor(input.limitA * 10 + 1e-6) - fixed));
      // Everything counted fits the limit whenever the sessions we cannot steer leave room at all.
      if (fixed <= input.limitA * 10) assert(allocated + fixed <= input.limitA * 10 + 1e-6);
    }),
    RUNS,
  );
});

Deno.test("property: a steerable session gets 0 A or between its minimum and its cap, its cap within its maximum", () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const sessions = byId(input);
      for (const share of allocate(input).shares.filter(steerable)) {
        const s = sessions.get(share.sessionId)!;
        const cap = units(share.capA);
        assert(cap <= Math.floor(s.maxCurrentA * 10 + 1e-6));
        assert(cap >= minUnitsOf(input, s));
        if (share.kind === "waiting") assertEquals(share.limitA, 0);
        else {assert(
            units(share.limitA) >= minUnitsOf(input, s) && units(share.limitA) <= cap,
            JSON.stringify(share),
          );}
      }
    }),
    RUNS,
  );
});

Deno.test("property: only the newest wait, and only when one more minimum would not fit", () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const a = allocate(input);
      const sessions = byId(input);
      const allocated = a.shares.filter((s) => s.kind === "allocated").map((s) => sessions.get(s.sessionId)!);
      const waiting = a.shares.filter((s) => s.kind === "waiting").map((s) => sessions.get(s.sessionId)!);
      for (const w of waiting) {
        for (const x of allocated) assert(compareSessions(x, w) < 0, "an older one waits");
      }
      const firstWaiting = waiting[0];
      if (firstWaiting) {
        const minimums = allocated.reduce((sum, s) => sum + minUnitsOf(input, s), 0);
        assert(units(a.availableA) - minimums < minUnitsOf(input, firstWaiting));
      }
    }),
    RUNS,
  );
});

Deno.test("property: capacity is left unused only when every allocated session is at its cap", () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const a = allocate(input);
      if (units(a.allocatedA) < units(a.availableA)) {
        for (const s of a.shares.filter((s) => s.kind === "allocated")) assertEquals(s.limitA, s.capA);
      }
    }),
    RUNS,
  );
});

Deno.test("property: shares are max-min fair: a session with less than another by more than 0.1 A is at its cap", () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const allocated = allocate(input).shares.filter((s) => s.kind === "allocated");
      for (const x of allocated) {
        for (const y of allocated) {
          if (units(x.limitA) + 1 < units(y.limitA)) assertEquals(x.limitA, x.capA, JSON.stringify([x, y]));
        }
      }
    }),
    RUNS,
  );
});

Deno.test("property: refusing stations count at their maximum, offline ones at their last limit until the lease ends", () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const sessions = byId(input);
      for (const share of allocate(input).shares) {
        const control = sessions.get(share.sessionId)!.control;
        const max = sessions.get(share.sessionId)!.maxCurrentA;
        if (control.kind === "refuses") {
          assertEquals(share.kind, "refuses");
          assert(share.countedA >= max);
        } else if (control.kind === "offline") {
          const live = Date.parse(control.leaseUntil) > NOW.getTime();
          assertEquals(share.kind, live ? "offline" : "released");
          if (live) assert(share.countedA >= (control.limitA ?? max));
          else assertEquals(share.countedA, 0);
        }
      }
    }),
    RUNS,
  );
});

Deno.test("property: an EV that draws less never lowers anyone else's share", () => {
  fc.assert(
    fc.property(inputArb, fc.nat(), tenths(0, 80), (input, pick, draw) => {
      const candidates = input.sessions.filter((s) =>
        s.control.kind === "profiles" && s.control.limitA !== null
      );
      const chosen = candidates[pick % Math.max(1, candidates.length)];
      if (!chosen) return;
      const { [chosen.id]: _, ...unmeasured } = input.measurements;
      const before = allocate({ ...input, measurements: unmeasured });
      const measurements = { ...input.measurements, [chosen.id]: { currentA: draw, at: NOW.toISOString() } };
      const after = allocate({ ...input, measurements });
      for (const [i, share] of after.shares.entries()) {
        if (share.sessionId !== chosen.id) assert(share.limitA >= before.shares[i]!.limitA);
      }
    }),
    RUNS,
  );
});

Deno.test("property: the answer does not depend on the order of the sessions", () => {
  fc.assert(
    fc.property(inputArb, fc.nat(), (input, seed) => {
      const shuffled = [...input.sessions].sort((a, b) => hash(a.id, seed) - hash(b.id, seed));
      assertEquals(allocate({ ...input, sessions: shuffled }), allocate(input));
    }),
    RUNS,
  );
});

function hash(text: string, seed: number): number {
  let h = seed | 0;
  for (const c of text) h = Math.imul(h ^ c.codePointAt(0)!, 2654435761);
  return h;
}

Deno.test("allocate() holds a session at the cap its caller knows, and gives the rest to the others", () => {
  const sessions = [{ ...session("A", 0, { kind: "profiles", limitA: 6 }), capA: 6 }, session("B", 1)];
  assertEquals(limits({ sessions, limitA: 20 }), { A: 6, B: 14 });
});

Deno.test("property: a session never gets more than the cap its caller knows, unless that is below the minimum", () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const sessions = byId(input);
      for (const share of allocate(input).shares.filter((s) => s.kind === "allocated")) {
        const s = sessions.get(share.sessionId)!;
        if (s.capA !== undefined) {
          assert(
            units(share.limitA) <= Math.max(minUnitsOf(input, s), units(Math.floor(s.capA * 10 + 1e-6) / 10)),
          );
        }
      }
    }),
    RUNS,
  );
});

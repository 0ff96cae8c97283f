/**
 * The site allocator: how a site's grid limit (amps per phase) is divided among its charging sessions.
 *
 * Pure: the answer depends only on the arguments (limit, sessions, measurements, settings, `now`), never on
 * what an earlier call saw, so a site's controller may run on any process of a cluster and hand over between
 * them; what it needs to remember (what each station accepted, when it was last seen) lives in the store and
 * comes back in as `sessions`.
 *
 * The rules, in order:
 * 1. Sessions the site cannot steer count against the limit first: a station that refuses charging profiles at
 *    its maximum, an offline station at its last limit until its lease expires (it keeps enforcing that limit
 *    while we cannot reach it), and nothing after.
 * 2. The rest is shared by the steerable sessions, oldest first: each gets at least the minimum an EV needs
 *    (IEC 61851-1: 6 A) or, when the site cannot give one more session that minimum, the newest wait at 0 A.
 * 3. What remains is shared equally (max-min fair) up to each session's cap: the station's maximum, or what the
 *    EV draws plus some headroom when it draws clearly less than its limit, so capacity an EV does not use
 *    goes to the others.
 *
 * Arithmetic is in integer tenths of an ampere, the precision of an OCPP 1.6 charging limit (§7
 * ChargingSchedulePeriod `limit`, one decimal), so sums are exact: limits are rounded down and amps counted
 * against the site up.
 *
 * @example
 * ```ts
 * import { allocate } from "./allocate.ts";
 * const allocation = allocate({
 *   limitA: 32,
 *   sessions: [
 *     { id: "CP-1/1", startedAt: "2025-01-01T10:00:00.000Z", maxCurrentA: 32, control: { kind: "profiles", limitA: null } },
 *     { id: "CP-2/1", startedAt: "2025-01-01T10:05:00.000Z", maxCurrentA: 32, control: { kind: "profiles", limitA: null } },
 *   ],
 *   measurements: {},
 *   settings: { minCurrentA: 6, headroomA: 2, measurementMaxAgeS: 120 },
 *   now: new Date("2025-01-01T10:06:00.000Z"),
 * });
 * allocation.shares.map((s) => s.limitA); // [16, 16]
 * ```
 */
import type { ShareKind } from "../model/site.ts";

export interface AllocationSettings {
  /** The least current an EV can charge with; below it a session waits at 0 A. */
  minCurrentA: number;
  /**
   * An EV drawing less than its limit minus half of this is capped at its draw plus this; the gap between the
   * two keeps a steady EV from flapping between capped and uncapped.
   */
  headroomA: number;
  /** Measurements older than this are ignored (the EV may have changed its mind). */
  measurementMaxAgeS: number;
}

/** How the site can steer a session. */
export type SessionControl =
  /** The station applies our profiles; `limitA` is the limit it enforces now (null: none of ours known). */
  | { kind: "profiles"; limitA: number | null }
  /** The station refuses charging profiles: it may draw its maximum at any time. */
  | { kind: "refuses" }
  /** Not connected: it keeps enforcing `limitA` (null: unknown, so its maximum) until `leaseUntil`. */
  | { kind: "offline"; limitA: number | null; leaseUntil: string };

export interface SessionInput {
  /** Unique within the site, e.g. `CP-1/1` (charge point and connector). */
  id: string;
  /** When the transaction started (ISO 8601); the newest waits first. */
  startedAt: string;
  /** The most the station's connector can deliver, per phase. */
  maxCurrentA: number;
  /**
   * The most it is known to use, when the caller knows better than the measurements: a session capped at
   * what its EV drew is held at that limit until a measurement taken after the change shows more.
   */
  capA?: number;
  control: SessionControl;
}

/** The current an EV draws (largest phase), as last reported in MeterValues. */
export interface Measurement {
  currentA: number;
  /** When it was sampled (ISO 8601). */
  at: string;
}

export interface AllocationInput {
  /** The site's grid limit, per phase. */
  limitA: number;
  sessions: readonly SessionInput[];
  /** By session id; sessions without a (fresh) measurement are assumed to use all they get. */
  measurements: Readonly<Record<string, Measurement>>;
  settings: AllocationSettings;
  now: Date;
}

export type { ShareKind };

export interface Share {
  sessionId: string;
  kind: ShareKind;
  /** The limit to send (allocated, waiting); for the others what the station is assumed to enforce. */
  limitA: number;
  /** What this session counts against the site limit. */
  countedA: number;
  /** The most it would use now: the station's maximum, or its measured draw plus headroom. */
  capA: number;
}

export interface Allocation {
  limitA: number;
  /** Counted for the sessions the site cannot steer (refuses, offline). */
  fixedA: number;
  /** What the steerable sessions share: the limit minus `fixedA`, never below 0. */
  availableA: number;
  /** The sum of the steerable sessions' limits; never above `availableA`. */
  allocatedA: number;
  /** One per session, oldest first. */
  shares: Share[];
}

/** Tenths of an ampere. */
const UNITS_PER_A = 10;
/** Absorbs binary noise such as 0.7 * 10 = 7.000000000000001 before rounding. */
const EPSILON = 1e-6;

function floorUnits(amps: number): number {
  return Math.max(0, Math.floor(amps * UNITS_PER_A + EPSILON));
}

function ceilUnits(amps: number): number {
  return Math.max(0, Math.ceil(amps * UNITS_PER_A - EPSILON));
}

function toAmps(units: number): number {
  return units / UNITS_PER_A;
}

/** Oldest first; the id breaks ties so the order never depends on the input order. */
export function compareSessions(a: SessionInput, b: SessionInput): number {
  const at = Date.parse(a.startedAt) - Date.parse(b.startedAt);
  if (at !== 0 && !Number.isNaN(at)) return at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

interface Steerable {
  index: number;
  session: SessionInput;
  minUnits: number;
  capUnits: number;
  units: number;
}

export function allocate(input: AllocationInput): Allocation {
  const { settings, now } = input;
  const sessions = [...input.sessions].sort(compareSessions);
  const shares: Share[] = [];
  const steerable: Steerable[] = [];
  let fixedUnits = 0;

  for (const session of sessions) {
    const maxUnits = floorUnits(session.maxCurrentA);
    const control = session.control;
    if (control.kind === "refuses") {
      const counted = ceilUnits(session.maxCurrentA);
      fixedUnits += counted;
      shares.push(fixedShare(session.id, "refuses", counted, maxUnits));
    } else if (control.kind === "offline") {
      if (Date.parse(control.leaseUntil) > now.getTime()) {
        const counted = ceilUnits(control.limitA ?? session.maxCurrentA);
        fixedUnits += counted;
        shares.push(fixedShare(session.id, "offline", counted, maxUnits));
      } else {
        shares.push(fixedShare(session.id, "released", 0, maxUnits));
      }
    } else {
      const minUnits = Math.min(ceilUnits(settings.minCurrentA), maxUnits);
      const known = session.capA === undefined ? Number.POSITIVE_INFINITY : floorUnits(session.capA);
      const capUnits = Math.max(
        minUnits,
        Math.min(maxUnits, known, demandUnits(input, session, control.limitA)),
      );
      steerable.push({ index: shares.length, session, minUnits, capUnits, units: 0 });
      shares.push({ sessionId: session.id, kind: "waiting", limitA: 0, countedA: 0, capA: toAmps(capUnits) });
    }
  }

  const availableUnits = Math.max(0, floorUnits(input.limitA) - fixedUnits);

  // Admission: oldest first, each at its minimum, until one more would not fit. The newest wait at 0 A.
  let remaining = availableUnits;
  const admitted: Steerable[] = [];
  for (const s of steerable) {
    if (s.minUnits > remaining) break;
    s.units = s.minUnits;
    remaining -= s.minUnits;
    admitted.push(s);
  }

  remaining = fillEqually(admitted, remaining);

  for (const s of admitted) {
    const amps = toAmps(s.units);
    shares[s.index] = {
      sessionId: s.session.id,
      kind: "allocated",
      limitA: amps,
      countedA: amps,
      capA: toAmps(s.capUnits),
    };
  }

  return {
    limitA: input.limitA,
    fixedA: toAmps(fixedUnits),
    availableA: toAmps(availableUnits),
    allocatedA: toAmps(availableUnits - remaining),
    shares,
  };
}

function fixedShare(sessionId: string, kind: ShareKind, countedUnits: number, maxUnits: number): Share {
  const counted = toAmps(countedUnits);
  return { sessionId, kind, limitA: counted, countedA: counted, capA: toAmps(maxUnits) };
}

/**
 * The most a session would use: unlimited (its station's maximum) unless a fresh measurement shows the EV
 * drawing clearly less than the limit it has, then its draw plus headroom.
 */
function demandUnits(input: AllocationInput, session: SessionInput, limitA: number | null): number {
  const unlimited = Number.POSITIVE_INFINITY;
  const measured = input.measurements[session.id];
  if (measured === undefined || limitA === null) return unlimited;
  const age = input.now.getTime() - Date.parse(measured.at);
  if (!(age <= input.settings.measurementMaxAgeS * 1000)) return unlimited;
  const { headroomA } = input.settings;
  if (measured.currentA >= limitA - headroomA / 2) return unlimited;
  return floorUnits(Math.max(0, measured.currentA) + headroomA);
}

/**
 * Water-filling: raises everyone below their cap by equal steps until the capacity or every cap is reached.
 * A remainder smaller than one tenth per session goes, a tenth each, to the oldest. Returns what is left.
 */
function fillEqually(admitted: Steerable[], capacity: number): number {
  let remaining = capacity;
  for (;;) {
    const open = admitted.filter((s) => s.units < s.capUnits);
    if (open.length === 0 || remaining === 0) return remaining;
    const step = Math.floor(remaining / open.length);
    if (step === 0) {
      for (const s of open.slice(0, remaining)) s.units += 1;
      return 0;
    }
    for (const s of open) {
      const add = Math.min(step, s.capUnits - s.units);
      s.units += add;
      remaining -= add;
    }
  }
}

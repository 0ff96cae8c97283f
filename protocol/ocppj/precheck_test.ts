/**
 * The precheck held to zod's answers: payloads generated from each action's own zod schema (valid ones, and
 * ones with a wrong value, a missing or extra key, a wrong type or a bad date-time somewhere), sent through
 * JSON as a frame's payload is. For every payload: when the precheck passes it, zod accepts it and returns an
 * equal value; when zod accepts it unchanged, the precheck passes it (else the fast path is lost); and
 * `validateMessage` (precheck, then zod) gives exactly what zod alone gives, codes and descriptions included.
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { z } from "zod";
import { ACTIONS, OCPP16 } from "../ocpp16/mod.ts";
import { OCPP201 } from "../ocpp201/mod.ts";
import type { Dialect } from "./dialect.ts";
import { integer } from "./json_schema.ts";
import { precheckOf } from "./precheck.ts";
import { validateMessage, validatePayload } from "./validate.ts";

type Schema = z.core.$ZodType;

interface Def {
  type: string;
  checks?: { _zod: { def: Record<string, unknown> } }[];
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  innerType?: Schema;
  entries?: Record<string, string>;
}

const defOf = (schema: Schema) => schema._zod.def as unknown as Def;

const DATE_TIMES = [
  "2024-05-01T12:00:00.000Z",
  "2024-05-01T12:00:00Z",
  "2024-05-01 12:00:00+02",
  "2024-05-01T12:00:00",
  "2016-12-31T23:59:60Z",
  "2024-02-29T00:00:00.000Z",
  "2023-02-29T00:00:00.000Z",
  "2024-05-01T24:00:00.000Z",
  "2024-05-01T12:00",
  "yesterday",
  "",
];

/** Strings around a maxLength: short, at the limit, one over, and code points that are two UTF-16 units. */
function stringsUpTo(max: number, valid: boolean): fc.Arbitrary<string> {
  const limit = valid ? max : max + 2;
  return fc.oneof(
    fc.string({ maxLength: Math.min(limit, 30) }),
    fc.string({ minLength: Math.max(0, max - 1), maxLength: limit }),
    // Near the limit in code points, with characters that take two UTF-16 units.
    fc.array(fc.constantFrom("a", "é", "😀"), {
      minLength: Math.max(0, max - 1),
      maxLength: valid ? max : max + 1,
    })
      .map((chars) => chars.join("")),
  );
}

/** Values for `schema`; `valid` keeps them within the schema (as far as its own checks say). */
function arbitraryOf(schema: Schema, valid: boolean, depth = 0): fc.Arbitrary<unknown> {
  const right = rightShapeOf(schema, valid, depth);
  if (valid) return right;
  // Anywhere, now and then: a value of any JSON type.
  return fc.oneof({ arbitrary: right, weight: 12 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 });
}

function rightShapeOf(schema: Schema, valid: boolean, depth: number): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const meta = z.globalRegistry.get(schema as z.ZodType) as Record<string, unknown> | undefined;
  switch (def.type) {
    case "string": {
      if (meta?.format === "date-time") {
        const good = fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) =>
          d.toISOString()
        );
        return valid ? good : fc.oneof(good, fc.constantFrom(...DATE_TIMES));
      }
      if (meta?.format === "uri") {
        return valid ? fc.webUrl() : fc.oneof(fc.webUrl(), fc.constantFrom("example.com/x", "", "ftp://a/b"));
      }
      if (typeof meta?.maxLength === "number") return stringsUpTo(meta.maxLength, valid);
      return fc.string({ maxLength: 20 });
    }
    case "number": {
      // zod's own range check (`integer.min(0)`): its bound and one below it, always among the values.
      const range = (def.checks ?? []).find((c) => c._zod.def.check === "greater_than");
      const min = range ? Number(range._zod.def.value) : undefined;
      const bounds = min === undefined ? [] : [fc.constant(min), ...valid ? [] : [fc.constant(min - 1)]];
      let good: fc.Arbitrary<number>;
      let bad: fc.Arbitrary<number>;
      if (meta?.type === "integer") {
        good = fc.oneof(fc.integer({ min: -5, max: 100 }), fc.integer(), fc.constant(2 ** 31 - 1));
        bad = fc.constantFrom(4.2, -0.5, 1e-7, 2 ** 31, 1e21);
      } else if (typeof meta?.multipleOf === "number") {
        good = fc.integer({ min: -1000, max: 100000 }).map((i) => i / 10);
        bad = fc.double({ noNaN: true, noDefaultInfinity: true });
      } else {
        good = fc.integer({ min: -1e6, max: 1e6 });
        bad = fc.double();
      }
      if (min !== undefined && valid) good = good.filter((n) => n >= min);
      return fc.oneof(good, ...bounds, ...valid ? [] : [bad]);
    }
    case "boolean":
      return fc.boolean();
    case "enum": {
      const values = Object.values(def.entries ?? {});
      const good = fc.constantFrom(...values);
      // A near miss (case) and a stranger.
      return valid ? good : fc.oneof(good, good.map((v) => v.toLowerCase()), fc.string({ maxLength: 8 }));
    }
    case "unknown":
    case "any":
      return fc.jsonValue({ maxDepth: 2 });
    case "optional":
      return arbitraryOf(def.innerType!, valid, depth);
    case "array": {
      const checks = def.checks ?? [];
      const min = Number(checks.find((c) => c._zod.def.check === "min_length")?._zod.def.minimum ?? 0);
      const max = Number(checks.find((c) => c._zod.def.check === "max_length")?._zod.def.maximum ?? 4);
      // Deep schemas (charging profiles) get short arrays, so a run stays fast.
      const cap = Math.max(min, depth > 2 ? 1 : 3);
      const element = arbitraryOf(def.element!, valid, depth + 1);
      return valid
        ? fc.array(element, { minLength: min, maxLength: Math.min(max, cap) })
        : fc.array(element, { minLength: Math.max(0, min - 1), maxLength: Math.min(max + 1, cap + 1) });
    }
    case "object":
      return objectOf(def, valid, depth);
    default:
      throw new Error(`No generator for a zod ${def.type}`);
  }
}

const STRANGE_KEYS = ["extra", "__proto__", "constructor", "toString", "hasOwnProperty", "value"];

function objectOf(def: Def, valid: boolean, depth: number): fc.Arbitrary<unknown> {
  const shape = Object.entries(def.shape ?? {});
  const fields = shape.map(([key, schema]) => {
    const optional = defOf(schema).type === "optional";
    const value = arbitraryOf(schema, valid, depth + 1);
    // Optional fields: absent half the time, and always below four levels, so deep schemas stay small.
    return [key, optional ? fc.option(value, { nil: undefined, freq: depth > 3 ? 1 : 2 }) : value] as const;
  });
  const record = fc.tuple(...fields.map(([, value]) => value)).map((values) => {
    const out: Record<string, unknown> = {};
    values.forEach((value, i) => {
      if (value !== undefined) out[fields[i]![0]] = value;
    });
    return out;
  });
  // In any key order: a station's order need not be the schema's.
  const ordered = fc.tuple(record, fc.boolean()).map(([out, reversed]) =>
    reversed ? Object.fromEntries(Object.entries(out).reverse()) : out
  );
  if (valid) return ordered;
  return fc.tuple(
    ordered,
    shape.length ? fc.option(fc.constantFrom(...shape.map(([key]) => key)), { freq: 8 }) : fc.constant(null),
    fc.option(fc.tuple(fc.constantFrom(...STRANGE_KEYS), fc.jsonValue({ maxDepth: 1 })), { freq: 8 }),
  ).map(([out, drop, extra]) => {
    if (drop !== null) delete out[drop];
    // defineProperty: "__proto__" as an own key, as JSON.parse makes it.
    if (extra !== null) {
      Object.defineProperty(out, extra[0], {
        value: extra[1],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  });
}

/** As a station's frame carries it: through JSON text. */
function asFrame(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value) ?? "null");
}

/** `value` with every object's keys sorted, for comparing key sets and values but not key order. */
function sortedKeys(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
        : v,
  );
}

function holdsToZod(dialect: Dialect, kind: "request" | "response", action: string, payload: unknown) {
  const schema = dialect.actions[action]![kind];
  const byZod = validatePayload(schema, payload);
  const byPrecheck = precheckOf(schema)!(payload);
  const unchanged = byZod.ok && sortedKeys(byZod.value) === sortedKeys(payload);
  if (byPrecheck) assert(unchanged, `the precheck passes what zod refuses or changes`);
  if (unchanged) assert(byPrecheck, `the precheck refuses what zod passes unchanged`);
  assertEquals(validateMessage(dialect, kind, action, payload), byZod);
  return byPrecheck;
}

/** The actions on the hot path get more runs than the rest. */
const HOT = new Set([
  "Heartbeat",
  "MeterValues",
  "StatusNotification",
  "StartTransaction",
  "StopTransaction",
  "Authorize",
  "BootNotification",
]);

for (const [dialect, label] of [[OCPP16, "OCPP 1.6"], [OCPP201, "OCPP 2.0.1"]] as const) {
  Deno.test(`every ${label} schema has a precheck`, () => {
    for (const [action, definition] of Object.entries(dialect.actions)) {
      assert(precheckOf(definition.request) !== null, `${action} request`);
      assert(precheckOf(definition.response) !== null, `${action} response`);
    }
  });

  Deno.test(`the precheck of every ${label} payload agrees with zod (fast-check)`, () => {
    for (const action of Object.keys(dialect.actions)) {
      for (const kind of ["request", "response"] as const) {
        const schema = (dialect.actions as Dialect["actions"])[action]![kind];
        const hot = dialect === OCPP16 && kind === "request" && HOT.has(action);
        let passed = 0;
        fc.assert(
          fc.property(arbitraryOf(schema, true).map(asFrame), (payload) => {
            if (holdsToZod(dialect, kind, action, payload)) passed++;
          }),
          { numRuns: hot ? 300 : 40 },
        );
        // Generated within the schema: (nearly) all pass; a generator gone wrong would test nothing.
        assert(passed >= (hot ? 270 : 30), `${action} ${kind}: only ${passed} valid payloads passed`);
        fc.assert(
          fc.property(arbitraryOf(schema, false).map(asFrame), (payload) => {
            holdsToZod(dialect, kind, action, payload);
          }),
          { numRuns: hot ? 1500 : 100 },
        );
      }
    }
  });
}

Deno.test("validateMessage() hands on a valid station payload itself, not a copy", () => {
  const payload = asFrame({
    connectorId: 1,
    meterValue: [{ timestamp: "2024-05-01T12:00:00.000Z", sampledValue: [{ value: "1", unit: "Wh" }] }],
  });
  const result = validateMessage(OCPP16, "request", "MeterValues", payload);
  assert(result.ok);
  assert(result.value === payload);
});

Deno.test("validateMessage() gives zod's copy when zod's value would differ (an own __proto__ key)", () => {
  const payload = JSON.parse('{"customData":{"vendorId":"v","__proto__":{"x":1}}}');
  const result = validateMessage(OCPP201, "request", "Heartbeat", payload);
  assert(result.ok);
  assert(result.value !== payload);
  assertEquals(Object.hasOwn((result.value as { customData: object }).customData, "__proto__"), false);
});

Deno.test("validateMessage() refuses what zod refuses, with zod's error, for a hot-path action", () => {
  const payload = asFrame({ connectorId: 1, errorCode: "NoError", status: "Charging", extra: 1 });
  const result = validateMessage(OCPP16, "request", "StatusNotification", payload);
  assertEquals(result, validatePayload(ACTIONS.StatusNotification.request, payload));
  assert(!result.ok && result.code === "FormationViolation");
});

Deno.test("the precheck applies zod's own range and length checks exactly at their bounds", () => {
  const schema = z.strictObject({
    atLeast: integer.min(0),
    above: z.number().gt(0).optional(),
    atMost: z.number().max(5).optional(),
    below: z.number().lt(5).optional(),
    items: z.array(z.string()).min(1).max(2),
  });
  const check = precheckOf(schema)!;
  for (const atLeast of [-1, 0, 1, 0.5]) {
    for (const bounded of [{}, { above: 0 }, { above: 1e-9 }, { atMost: 5 }, { atMost: 5.5 }, { below: 5 }]) {
      for (const items of [[], ["a"], ["a", "b"], ["a", "b", "c"]]) {
        const payload = { atLeast, ...bounded, items };
        assertEquals(check(payload), schema.safeParse(payload).success, JSON.stringify(payload));
      }
    }
  }
});

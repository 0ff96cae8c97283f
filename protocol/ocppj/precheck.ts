/**
 * A check of a payload against a zod schema that builds nothing: true only when zod would accept the payload
 * AND give back a value equal to it (same keys, same values; zod's copy differs only in being a copy and in
 * its key order), so the payload itself can be handed on in place of zod's copy. False says nothing: zod then
 * decides, and gives its own answer and errors. Compiled once per schema from zod's own definition, for the
 * parts the OCPP schemas are made of (strict and loose objects, arrays with a length range, strings, numbers,
 * booleans, enums, optional fields, unknown, and the checks of `json_schema.ts`); a schema with anything else
 * in it (a transform, a default, a union, a check of its own) gets no precheck and always goes through zod.
 *
 * Why: zod 4 has no validate-only path; its copy of every station payload was ~15% of the bytes a frame
 * allocated (bench/README.md, "The per-frame JavaScript").
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * const check = precheckOf(z.strictObject({ idTag: z.string() }))!;
 * check({ idTag: "A1" }); // true: zod accepts it and returns an equal value
 * check({ idTag: "A1", extra: 1 }); // false: zod refuses it (or, for a z.object, would strip "extra")
 * ```
 */
import type { z } from "zod";
import { predicateOfCheck } from "./json_schema.ts";

/** True when zod accepts `value` and returns a value equal to it; false: ask zod. */
export type Precheck = (value: unknown) => boolean;

/** The parts of a zod schema's definition read here (zod 4's `_zod.def`). */
interface Def {
  type: string;
  checks?: { _zod: { check?: unknown; def: Record<string, unknown> } }[];
  coerce?: boolean;
  format?: string;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  innerType?: Schema;
  entries?: Record<string, unknown>;
}

type Schema = z.core.$ZodType;

/** A schema part the precheck does not model: its whole schema then goes through zod. */
class Unsupported extends Error {}

const compiled = new WeakMap<Schema, Precheck | null>();

/**
 * The precheck of `schema`, compiled on first use and kept (pass module-level schemas, not ones built per
 * call); null when the schema has a part it does not model.
 */
export function precheckOf(schema: Schema): Precheck | null {
  let check = compiled.get(schema);
  if (check === undefined) {
    try {
      check = compile(schema);
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      check = null;
    }
    compiled.set(schema, check);
  }
  return check;
}

function defOf(schema: Schema): Def {
  return schema._zod.def as unknown as Def;
}

function compile(schema: Schema): Precheck {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      if (def.coerce || def.format !== undefined) throw new Unsupported(`string ${def.format}`);
      return withChecks(def, (value) => typeof value === "string");
    case "number":
      if (def.coerce || def.format !== undefined) throw new Unsupported(`number ${def.format}`);
      // zod refuses NaN and the infinities (JSON has neither).
      return withChecks(def, (value) => typeof value === "number" && Number.isFinite(value));
    case "boolean":
      noChecks(def);
      return (value) => typeof value === "boolean";
    case "enum": {
      noChecks(def);
      const values = new Set(Object.values(def.entries ?? {}));
      // A TypeScript numeric enum's reverse mappings are not values to zod: not modelled.
      for (const value of values) if (typeof value !== "string") throw new Unsupported("non-string enum");
      return (value) => values.has(value);
    }
    case "unknown":
    case "any":
      noChecks(def);
      return () => true;
    case "optional": {
      noChecks(def);
      const inner = compile(def.innerType!);
      // undefined (not JSON) is left to zod.
      return (value) => value !== undefined && inner(value);
    }
    case "array": {
      const element = compile(def.element!);
      return withChecks(def, (value) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!element(value[i])) return false;
        return true;
      });
    }
    case "object":
      noChecks(def);
      return compileObject(def);
    default:
      throw new Unsupported(def.type);
  }
}

interface Field {
  key: string;
  check: Precheck;
  optional: boolean;
}

function compileObject(def: Def): Precheck {
  const catchall = def.catchall === undefined ? undefined : defOf(def.catchall);
  // No catchall: zod strips unknown keys (its value would differ); "never": strict, it refuses them. Either
  // way a payload with one is left to zod. "unknown": loose, zod copies them as they are.
  const loose = catchall?.type === "unknown" || catchall?.type === "any";
  if (catchall !== undefined && !loose && catchall.type !== "never") {
    throw new Unsupported(`catchall ${catchall.type}`);
  }
  const fields: Field[] = Object.entries(def.shape ?? {}).map(([key, schema]) => {
    const optional = defOf(schema).type === "optional";
    if (optional) noChecks(defOf(schema));
    return { key, optional, check: compile(optional ? defOf(schema).innerType! : schema) };
  });
  return (value) => {
    // A plain object as JSON.parse makes it (zod's copy is one; a Map or a class instance is left to zod).
    if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
      return false;
    }
    const record = value as Record<string, unknown>;
    let present = 0;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const item = record[field.key];
      if (item === undefined) {
        if (!field.optional) return false;
        continue;
      }
      if (!field.check(item)) return false;
      present++;
    }
    // zod's copy of a loose object leaves out an own "__proto__" (it would set the copy's prototype).
    if (loose) return !Object.hasOwn(record, "__proto__");
    // Any key beyond the shape's (an own "__proto__" included) is zod's to refuse or strip.
    let keys = 0;
    for (const _ in record) keys++;
    return keys === present;
  };
}

function noChecks(def: Def): void {
  if (def.checks?.length) throw new Unsupported(`checks on ${def.type}`);
}

/** `base` followed by the schema's checks: those of json_schema.ts, and zod's own length and range checks. */
function withChecks(def: Def, base: Precheck): Precheck {
  const checks = (def.checks ?? []).map((check): Precheck => {
    const predicate = predicateOfCheck(check._zod.check) as Precheck | undefined;
    if (predicate) return predicate;
    const spec = check._zod.def;
    switch (spec.check) {
      case "min_length":
        if (def.type !== "array") break;
        return (value) => (value as unknown[]).length >= (spec.minimum as number);
      case "max_length":
        if (def.type !== "array") break;
        return (value) => (value as unknown[]).length <= (spec.maximum as number);
      case "greater_than":
        if (def.type !== "number") break;
        return spec.inclusive
          ? (value) => (value as number) >= (spec.value as number)
          : (value) => (value as number) > (spec.value as number);
      case "less_than":
        if (def.type !== "number") break;
        return spec.inclusive
          ? (value) => (value as number) <= (spec.value as number)
          : (value) => (value as number) < (spec.value as number);
    }
    throw new Unsupported(`check ${String(spec.check)} on ${def.type}`);
  });
  if (checks.length === 0) return base;
  if (checks.length === 1) {
    const only = checks[0]!;
    return (value) => base(value) && only(value);
  }
  return (value) => {
    if (!base(value)) return false;
    for (let i = 0; i < checks.length; i++) if (!checks[i]!(value)) return false;
    return true;
  };
}

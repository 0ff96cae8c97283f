/**
 * A check of a payload against a zod schema that builds nothing: true only when zod would accept the payload
 * AND give back a value equal to it (same keys, same values; zod's copy differs only in being a copy and in
 * its key order), so the payload itself can be handed on in place of zod's copy. False says nothing: zod then
 * decides, and gives its own answer and errors. Compiled once per schema from zod's own definition, for the
 * parts the OCPP schemas are made of (strict and loose objects, arrays with a length range, strings, numbers,
 * booleans, enums, optional fields, unknown, and the checks of `json_schema.ts`); a schema with anything else
 * in it (a transform, a default, a union, a check of its own) gets no precheck and always goes through zod.
 * The check is generated as one JavaScript function per schema (as zod compiles its own parsers), so a field
 * costs a test or two, not a call through a closure: with closures it cost as much CPU as zod's parse.
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
      check = generate(schema);
    } catch (error) {
      // A part not modelled, or a runtime that refuses to compile code: zod checks this schema.
      if (!(error instanceof Unsupported) && !(error instanceof EvalError)) throw error;
      check = null;
    }
    compiled.set(schema, check);
  }
  return check;
}

function defOf(schema: Schema): Def {
  return schema._zod.def as unknown as Def;
}

/** What the generated code refers to: constants passed in by name, and fresh variable names. */
class Code {
  names: string[] = [];
  values: unknown[] = [];
  #vars = 0;

  constant(value: unknown): string {
    const name = `k${this.names.length}`;
    this.names.push(name);
    this.values.push(value);
    return name;
  }

  variable(): string {
    return `v${this.#vars++}`;
  }
}

function generate(schema: Schema): Precheck {
  const code = new Code();
  const body = check(code, schema, "input");
  const source = `"use strict"; return function precheck(input) { ${body} return true; };`;
  const make = new Function(...code.names, source) as (...values: unknown[]) => Precheck;
  return make(...code.values);
}

/** Statements that `return false` unless the value of the expression `at` passes `schema`. */
function check(code: Code, schema: Schema, at: string): string {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      if (def.coerce || def.format !== undefined) throw new Unsupported(`string ${def.format}`);
      return `if (typeof ${at} !== "string") return false; ${checks(code, def, at)}`;
    case "number":
      if (def.coerce || def.format !== undefined) throw new Unsupported(`number ${def.format}`);
      // zod refuses NaN and the infinities (JSON has neither).
      return `if (typeof ${at} !== "number" || !Number.isFinite(${at})) return false; ${
        checks(code, def, at)
      }`;
    case "boolean":
      noChecks(def);
      return `if (typeof ${at} !== "boolean") return false;`;
    case "enum": {
      noChecks(def);
      const values = new Set(Object.values(def.entries ?? {}));
      // A TypeScript numeric enum's reverse mappings are not values to zod: not modelled.
      for (const value of values) if (typeof value !== "string") throw new Unsupported("non-string enum");
      return `if (!${code.constant(values)}.has(${at})) return false;`;
    }
    case "unknown":
    case "any":
      noChecks(def);
      return "";
    case "optional":
      noChecks(def);
      // undefined (not JSON) is left to zod.
      return `if (${at} === undefined) return false; ${check(code, def.innerType!, at)}`;
    case "array": {
      const array = code.variable();
      const index = code.variable();
      const item = code.variable();
      return `{ const ${array} = ${at}; if (!Array.isArray(${array})) return false; ${
        checks(code, def, array)
      }
        for (let ${index} = 0; ${index} < ${array}.length; ${index}++) {
          const ${item} = ${array}[${index}]; ${check(code, def.element!, item)}
        } }`;
    }
    case "object":
      noChecks(def);
      return object(code, def, at);
    default:
      throw new Unsupported(def.type);
  }
}

function object(code: Code, def: Def, at: string): string {
  const catchall = def.catchall === undefined ? undefined : defOf(def.catchall);
  // No catchall: zod strips unknown keys (its value would differ); "never": strict, it refuses them. Either
  // way a payload with one is left to zod. "unknown": loose, zod copies them as they are.
  const loose = catchall?.type === "unknown" || catchall?.type === "any";
  if (catchall !== undefined && !loose && catchall.type !== "never") {
    throw new Unsupported(`catchall ${catchall.type}`);
  }
  const record = code.variable();
  const present = code.variable();
  // A plain object as JSON.parse makes it (zod's copy is one; a Map or a class instance is left to zod).
  let out = `{ const ${record} = ${at};
    if (typeof ${record} !== "object" || ${record} === null ||
      Object.getPrototypeOf(${record}) !== Object.prototype) return false;
    let ${present} = 0;`;
  for (const [key, schema] of Object.entries(def.shape ?? {})) {
    const field = code.variable();
    const optional = defOf(schema).type === "optional";
    if (optional) noChecks(defOf(schema));
    const inner = check(code, optional ? defOf(schema).innerType! : schema, field);
    out += ` { const ${field} = ${record}[${JSON.stringify(key)}];
      if (${field} !== undefined) { ${present}++; ${inner} } ${optional ? "" : "else return false;"} }`;
  }
  if (loose) {
    // zod's copy of a loose object leaves out an own "__proto__" (it would set the copy's prototype).
    out += ` if (Object.hasOwn(${record}, "__proto__")) return false;`;
  } else {
    // Any key beyond the shape's (an own "__proto__" included) is zod's to refuse or strip.
    const keys = code.variable();
    out +=
      ` let ${keys} = 0; for (const _ in ${record}) ${keys}++; if (${keys} !== ${present}) return false;`;
  }
  return out + " }";
}

function noChecks(def: Def): void {
  if (def.checks?.length) throw new Unsupported(`checks on ${def.type}`);
}

/** Statements for the schema's checks: those of json_schema.ts, and zod's own length and range checks. */
function checks(code: Code, def: Def, at: string): string {
  return (def.checks ?? []).map((check) => {
    const predicate = predicateOfCheck(check._zod.check);
    if (predicate) return `if (!${code.constant(predicate)}(${at})) return false;`;
    const spec = check._zod.def;
    const bound = (value: unknown) => {
      if (typeof value !== "number" || !Number.isFinite(value)) throw new Unsupported(`bound ${value}`);
      return String(value);
    };
    switch (spec.check) {
      case "min_length":
        if (def.type === "array") return `if (${at}.length < ${bound(spec.minimum)}) return false;`;
        break;
      case "max_length":
        if (def.type === "array") return `if (${at}.length > ${bound(spec.maximum)}) return false;`;
        break;
      case "greater_than":
        if (def.type === "number") {
          return `if (!(${at} ${spec.inclusive ? ">=" : ">"} ${bound(spec.value)})) return false;`;
        }
        break;
      case "less_than":
        if (def.type === "number") {
          return `if (!(${at} ${spec.inclusive ? "<=" : "<"} ${bound(spec.value)})) return false;`;
        }
        break;
    }
    throw new Unsupported(`check ${String(spec.check)} on ${def.type}`);
  }).join(" ");
}

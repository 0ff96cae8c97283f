/**
 * zod mirrors of the JSON Schema keywords that the official OCPP JSON schemas use beyond plain types:
 * `maxLength`, `format: "date-time"`, `format: "uri"`, `type: "integer"` and `multipleOf`. Each is checked as
 * the reference validator checks it (see `formats.ts`), raises zod's own issue shape (`too_big`,
 * `invalid_format`, `invalid_type`, `not_multiple_of`) so that `validatePayload` maps it like any other, and
 * carries its keyword as metadata so that `z.toJSONSchema` writes it back.
 *
 * zod's built-ins do not fit: `.max()` counts UTF-16 units, not code points; `.int()` refuses integers beyond
 * 2^53, which JSON Schema allows; `.multipleOf()` is exact where ocpp-rpc uses an epsilon; `z.iso.datetime()`
 * and `z.url()` accept other sets than ajv-formats does.
 */
import { z } from "zod";
import { codePointLength, fitsMaxLength, isDateTime, isMultipleOf, isUri } from "./formats.ts";

/**
 * Each check function below, with the predicate it applies (true: no issue). `precheck.ts` reads it to check a
 * payload without running zod; a check not listed here keeps its schema on zod's own path.
 */
const PREDICATES = new WeakMap<object, (value: never) => boolean>();

/** The predicate a check function of this file applies, or undefined for any other check. */
export function predicateOfCheck(check: unknown): ((value: never) => boolean) | undefined {
  return typeof check === "function" ? PREDICATES.get(check) : undefined;
}

/** `check`, remembered with `predicate` (see PREDICATES). */
function withPredicate<C extends object, V>(check: C, predicate: (value: V) => boolean): C {
  PREDICATES.set(check, predicate as (value: never) => boolean);
  return check;
}

/**
 * A string of at most `max` characters, counted in code points (JSON Schema `maxLength`).
 *
 * @example
 * ```ts
 * maxLengthString(2).safeParse("😀😀").success; // true: two characters
 * ```
 */
export function maxLengthString(max: number): z.ZodString {
  const fits = (value: string) => fitsMaxLength(value, max);
  return z.string().check(withPredicate((ctx: z.core.ParsePayload<string>) => {
    if (fits(ctx.value)) return;
    ctx.issues.push({
      code: "too_big",
      origin: "string",
      maximum: max,
      inclusive: true,
      input: ctx.value,
      message: `String must contain at most ${max} character(s), got ${codePointLength(ctx.value)}`,
    });
  }, fits)).meta({ maxLength: max });
}

/** A string that `isValid` accepts, else an `invalid_format` issue naming the JSON Schema `format`. */
function formatString(format: string, isValid: (value: string) => boolean): z.ZodString {
  return z.string().check(withPredicate((ctx: z.core.ParsePayload<string>) => {
    if (isValid(ctx.value)) return;
    ctx.issues.push({ code: "invalid_format", format, input: ctx.value, message: `Invalid ${format}` });
  }, isValid)).meta({ format });
}

/** JSON Schema `format: "date-time"`, as ajv-formats checks it (see `isDateTime`). */
export const dateTime: z.ZodString = formatString("date-time", isDateTime);

/** JSON Schema `format: "uri"`, as ajv-formats checks it (see `isUri`). */
export const uri: z.ZodString = formatString("uri", isUri);

/**
 * An integer check within [min, max]: a fraction is an `invalid_type` issue (as zod's own `.int()` raises), an
 * integer out of range `too_small` / `too_big` (PropertyConstraintViolation). The range is not written into
 * the JSON schema (`meta`): the official schemas say only "integer".
 */
function boundedInteger(min: number, max: number): z.ZodNumber {
  const inRange = (value: number) => Number.isInteger(value) && value >= min && value <= max;
  return z.number().check(withPredicate((ctx: z.core.ParsePayload<number>) => {
    const value = ctx.value;
    if (inRange(value)) return;
    if (!Number.isInteger(value)) {
      ctx.issues.push({
        code: "invalid_type",
        expected: "int",
        input: value,
        message: "Expected an integer",
      });
    } else if (value < min) {
      ctx.issues.push({ code: "too_small", origin: "number", minimum: min, inclusive: true, input: value });
    } else {
      ctx.issues.push({ code: "too_big", origin: "number", maximum: max, inclusive: true, input: value });
    }
  }, inRange)).meta({ type: "integer" });
}

/**
 * JSON Schema `type: "integer"` as OCPP means it: 32-bit signed (the OCPP 1.6 WSDL's `s:int`; OCPP 2.0.1 Part
 * 2 §2.1 "integer: 32 bit"). JSON itself allows 1e21; a wider id, connector or count is refused here rather
 * than stored on one store and failed for ever on the other (PostgreSQL's `integer` columns).
 */
export const integer: z.ZodNumber = boundedInteger(-(2 ** 31), 2 ** 31 - 1);

/**
 * An integer a JavaScript number holds exactly (|n| < 2^53; PostgreSQL's `bigint` holds them all): meter
 * registers in Wh, which a busy station's lifetime reading may take past 32 bits.
 */
export const exactInteger: z.ZodNumber = boundedInteger(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

/**
 * JSON Schema `type: "number"` with `multipleOf`, checked with ocpp-rpc's epsilon test.
 *
 * @example
 * ```ts
 * decimalMultipleOf(0.1).safeParse(0.3).success; // true, despite floating point
 * ```
 */
export function decimalMultipleOf(step: number): z.ZodNumber {
  const multiple = (value: number) => isMultipleOf(value, step);
  return z.number().check(withPredicate((ctx: z.core.ParsePayload<number>) => {
    if (multiple(ctx.value)) return;
    ctx.issues.push({
      code: "not_multiple_of",
      divisor: step,
      input: ctx.value,
      message: `Number must be a multiple of ${step}`,
    });
  }, multiple)).meta({ multipleOf: step });
}

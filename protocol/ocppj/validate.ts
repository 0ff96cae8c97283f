/**
 * Payload validation with OCPP-J error codes (OCPP-J 1.6 §4.2.3). Never throws: bad network input is
 * expected, so the result is a union that a handler turns into a CALLERROR.
 */
import { z } from "zod";
import { type ActionTable, type Dialect, hasAction } from "./dialect.ts";
import type { OcppErrorCode } from "./errors.ts";
import { codePointLength } from "./formats.ts";
import { precheckOf } from "./precheck.ts";
import { REDACTED, redactSecrets } from "./secret_values.ts";

/**
 * What failed, for a CALLERROR's ErrorDetails. `field` is the dotted path of the first failing field
 * (`meterValue.0.sampledValue.1.measurand`), or `""` for the payload itself; `constraint` names the JSON
 * Schema keyword that failed (`required`, `type`, `enum`, `maxLength`, `format`, `multipleOf`, `minItems`,
 * `maxItems`, `additionalProperties`, ...).
 */
export type ValidationDetails = { field: string; constraint: string };

export type ValidationFailure = {
  ok: false;
  code: OcppErrorCode;
  description: string;
  details: ValidationDetails;
};

export type ValidationResult<T> = { ok: true; value: T } | ValidationFailure;

/**
 * zod's `safeParse`, building its error as a plain `$ZodError` rather than an `Error`: a bad frame is expected
 * input, and capturing a stack trace for each one was most of the cost of refusing it.
 */
const safeParse = z.core._safeParse(z.core.$ZodError);

/**
 * Validates `payload` against a zod schema and maps the first problem to an OCPP-J error code:
 * - a required field missing, or too few/many array items: OccurenceConstraintViolation;
 * - a value of the wrong JSON type (including a fraction where an integer is required): TypeConstraintViolation;
 * - a value of the right type out of range (enum, length, format, multipleOf, minimum): PropertyConstraintViolation;
 * - an unknown property, or a payload that is not a JSON object: FormationViolation.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { dateTime } from "./json_schema.ts";
 * const result = validatePayload(z.strictObject({ currentTime: dateTime }), { currentTime: "yesterday" });
 * // result.ok === false, result.code === "PropertyConstraintViolation",
 * // result.details.field === "currentTime"
 * ```
 */
export function validatePayload<S extends z.ZodType>(
  schema: S,
  payload: unknown,
): ValidationResult<z.output<S>> {
  let parsed: z.core.util.SafeParseResult<z.output<S>>;
  try {
    parsed = safeParse(schema, payload);
  } catch {
    // Only a hostile object (a throwing getter, say) gets here; JSON.parse output never does.
    return failure("FormationViolation", "Payload could not be read", "", "type");
  }
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue === undefined) return failure("FormationViolation", "Payload is invalid", "", "type");
  return describeIssue(issue, payload);
}

/**
 * Validates the payload of a CALL (`kind` "request") or CALLRESULT ("response") for `action` of `dialect`.
 * An unknown action gives NotImplemented (OCPP-J 1.6 §4.2.3).
 *
 * @example
 * ```ts
 * import { OCPP16 } from "../ocpp16/mod.ts";
 * const result = validateMessage(OCPP16, "request", "Heartbeat", {});
 * // result.ok === true
 * ```
 */
export function validateMessage<
  T extends ActionTable,
  A extends keyof T & string,
  K extends "request" | "response",
>(
  dialect: Dialect<T>,
  kind: K,
  action: A,
  payload: unknown,
): ValidationResult<z.output<T[A][K]>> {
  const definition = hasAction(dialect.actions, action) ? dialect.actions[action] : undefined;
  if (definition === undefined) return unknownAction(dialect, action);
  const schema = definition[kind];
  // A payload zod would accept unchanged is handed on as it is: no copy. Anything else gets zod's answer.
  if (passesPrecheck(schema, payload)) return { ok: true, value: payload as z.output<T[A][K]> };
  return validatePayload(schema, payload) as ValidationResult<z.output<T[A][K]>>;
}

/** True when zod would accept `payload` unchanged; a hostile object that throws is zod's to refuse. */
function passesPrecheck(schema: z.core.$ZodType, payload: unknown): boolean {
  const check = precheckOf(schema);
  if (check === null) return false;
  try {
    return check(payload);
  } catch {
    return false;
  }
}

function unknownAction(dialect: Dialect, action: string): ValidationFailure {
  return failure("NotImplemented", `Action ${quote(action)} is not an ${dialect.name} action`, "", "action");
}

function failure(
  code: OcppErrorCode,
  description: string,
  field: string,
  constraint: string,
): ValidationFailure {
  return { ok: false, code, description, details: { field, constraint } };
}

function describeIssue(issue: z.core.$ZodIssue, payload: unknown): ValidationFailure {
  const field = issue.path.map(String).join(".");
  const value = valueAt(payload, issue.path);
  // The description goes to logs, the command log and the peer: a secret's value (an AuthorizationKey sent as
  // a number, say) is quoted as REDACTED; its type and length are still told.
  const visible = isVisible(payload, issue.path, value);
  const show = (v: unknown) => visible ? quote(v) : REDACTED;
  const name = `"${field}"`;
  switch (issue.code) {
    case "invalid_type":
      if (issue.path.length === 0) {
        return failure(
          "FormationViolation",
          `Payload must be a JSON object, got ${jsonType(payload)}`,
          "",
          "type",
        );
      }
      return wrongType(field, value, issue.expected === "int" ? "integer" : issue.expected, show);
    case "unrecognized_keys": {
      const key = issue.keys[0] ?? "";
      const extra = field === "" ? key : `${field}.${key}`;
      return failure(
        "FormationViolation",
        `Field "${extra}" is not allowed here`,
        extra,
        "additionalProperties",
      );
    }
    case "too_small":
    case "too_big": {
      const bound = Number(issue.code === "too_small" ? issue.minimum : issue.maximum);
      if (issue.origin === "array") {
        const count = Array.isArray(value) ? value.length : 0;
        const constraint = issue.code === "too_small" ? "minItems" : "maxItems";
        const limit = issue.code === "too_small" ? "at least" : "at most";
        return failure(
          "OccurenceConstraintViolation",
          `Field ${name} must have ${limit} ${bound} item(s), got ${count}`,
          field,
          constraint,
        );
      }
      if (issue.origin === "string") {
        const length = typeof value === "string" ? codePointLength(value) : 0;
        const constraint = issue.code === "too_small" ? "minLength" : "maxLength";
        const limit = issue.code === "too_small" ? "at least" : "at most";
        return failure(
          "PropertyConstraintViolation",
          `Field ${name} must be ${limit} ${bound} character(s) long, got ${length}: ${show(value)}`,
          field,
          constraint,
        );
      }
      const constraint = issue.code === "too_small" ? "minimum" : "maximum";
      const limit = issue.code === "too_small" ? "at least" : "at most";
      return failure(
        "PropertyConstraintViolation",
        `Field ${name} must be ${limit} ${bound}, got ${show(value)}`,
        field,
        constraint,
      );
    }
    case "invalid_value":
      // zod 4 checks an enum's type and value at once; JSON Schema tells them apart, as zod 3 did.
      if (typeof value !== "string" && issue.values.every((option) => typeof option === "string")) {
        return wrongType(field, value, "string", show);
      }
      return failure(
        "PropertyConstraintViolation",
        `Field ${name} must be one of ${issue.values.map((o) => quote(o)).join(", ")}, got ${show(value)}`,
        field,
        "enum",
      );
    case "not_multiple_of":
      return failure(
        "PropertyConstraintViolation",
        `Field ${name} must be a multiple of ${String(issue.divisor)}, got ${show(value)}`,
        field,
        "multipleOf",
      );
    case "invalid_format": {
      const format = FORMAT_NAMES[issue.format];
      if (format !== undefined) {
        return failure(
          "PropertyConstraintViolation",
          `Field ${name} must be ${format}, got ${show(value)}`,
          field,
          "format",
        );
      }
      // zod's own string checks (`regex`, ...), which are not JSON Schema formats.
      return failure(
        "PropertyConstraintViolation",
        `Field ${name} has a value that is not allowed: ${show(value)}`,
        field,
        "const",
      );
    }
    case "custom":
      return failure(
        "PropertyConstraintViolation",
        `Field ${name} is invalid: ${issue.message}`,
        field,
        "custom",
      );
    default:
      // Unions, intersections and the like: our payload schemas use none, so this is a safe catch-all.
      return failure("FormationViolation", `Field ${name} does not match its schema`, field, issue.code);
  }
}

const FORMAT_NAMES: Record<string, string> = {
  "date-time": 'an RFC 3339 date-time (e.g. "2024-05-01T12:00:00Z")',
  uri: "an absolute URI",
};

function valueAt(payload: unknown, path: readonly PropertyKey[]): unknown {
  let node = payload;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** True when `value`, found at `path` in `payload`, is not a secret's (nor inside something hidden whole). */
function isVisible(payload: unknown, path: readonly PropertyKey[], value: unknown): boolean {
  try {
    return valueAt(redactSecrets(payload), path) === value;
  } catch {
    return false; // a hostile object's getter: quote nothing of it
  }
}

/** A field of the wrong JSON type, or missing (a required field, since an optional one may be absent). */
function wrongType(
  field: string,
  value: unknown,
  expected: string,
  show: (value: unknown) => string,
): ValidationFailure {
  if (value === undefined) {
    return failure("OccurenceConstraintViolation", `Required field "${field}" is missing`, field, "required");
  }
  return failure(
    "TypeConstraintViolation",
    `Field "${field}" must be ${withArticle(expected)}, got ${describe(value, show)}`,
    field,
    "type",
  );
}

/** The JSON type name of a value, as JSON Schema spells it. */
function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(value: unknown, show: (value: unknown) => string): string {
  const type = jsonType(value);
  return type === "object" || type === "array" ? `${withArticle(type)}` : `${type} ${show(value)}`;
}

const MAX_SHOWN = 60;

/** A short, quoted rendering of a value for a description: never the whole of a 10 kB string. */
function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

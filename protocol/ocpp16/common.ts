/**
 * Building blocks shared by the OCPP 1.6 action schemas (OCPP 1.6 §7 "Types"), each mirroring the matching
 * fragment of the official JSON schemas: `.strict()` objects for `additionalProperties: false`, string
 * lengths counted in code points, formats checked as ajv-formats does (see `formats.ts`).
 */
import { z } from "zod";
import {
  AUTHORIZATION_STATUSES,
  CHARGING_PROFILE_KINDS,
  CHARGING_PROFILE_PURPOSES,
  CHARGING_RATE_UNITS,
  LOCATIONS,
  MEASURANDS,
  PHASES,
  READING_CONTEXTS,
  RECURRENCY_KINDS,
  UNITS,
  VALUE_FORMATS,
} from "./enums.ts";
import { codePointLength, fitsMaxLength, isDateTime, isMultipleOf, isUri } from "../ocppj/formats.ts";

/**
 * A string of at most `max` characters (JSON Schema `maxLength`). The issue it raises is zod's own
 * `too_big`, so validation reports it like any other length limit.
 */
export function ciString(max: number): z.ZodEffects<z.ZodString, string, string> {
  return z.string().superRefine((value, ctx) => {
    if (fitsMaxLength(value, max)) return;
    ctx.addIssue({
      code: z.ZodIssueCode.too_big,
      type: "string",
      maximum: max,
      inclusive: true,
      exact: false,
      message: `String must contain at most ${max} character(s), got ${codePointLength(value)}`,
    });
  });
}

/** OCPP 1.6 §7 CiString20Type (also IdToken). */
export const CiString20 = ciString(20);
/** OCPP 1.6 §7 CiString25Type. */
export const CiString25 = ciString(25);
/** OCPP 1.6 §7 CiString50Type. */
export const CiString50 = ciString(50);
/** OCPP 1.6 §7 CiString255Type. */
export const CiString255 = ciString(255);
/** OCPP 1.6 §7 CiString500Type. */
export const CiString500 = ciString(500);

/** OCPP 1.6 §7 IdToken: the idTag a station reads from a card or app. */
export const IdToken = CiString20;

/** JSON Schema `format: "date-time"`; the time zone is required (see `isDateTime`). */
export const dateTime = z.string().refine(isDateTime, {
  message: "Invalid date-time",
  params: { format: "date-time" },
});

/** JSON Schema `format: "uri"`. */
export const uri = z.string().refine(isUri, { message: "Invalid URI", params: { format: "uri" } });

/** JSON Schema `type: "integer"`: a finite number with no fraction (1.0 is an integer, as in JSON). */
export const integer = z.number().int();

/**
 * JSON Schema `type: "number"` with `multipleOf`, checked with ocpp-rpc's epsilon test. The issue is zod's
 * own `not_multiple_of`.
 */
export function decimalMultipleOf(step: number): z.ZodEffects<z.ZodNumber, number, number> {
  return z.number().finite().superRefine((value, ctx) => {
    if (isMultipleOf(value, step)) return;
    ctx.addIssue({
      code: z.ZodIssueCode.not_multiple_of,
      multipleOf: step,
      message: `Number must be a multiple of ${step}`,
    });
  });
}

/** OCPP 1.6 §7 decimals with one digit of precision (charging limits). */
export const decimalOneDigit = decimalMultipleOf(0.1);

/** OCPP 1.6 §7 IdTagInfo. */
export const IdTagInfo = z.object({
  expiryDate: dateTime.optional(),
  parentIdTag: IdToken.optional(),
  status: z.enum(AUTHORIZATION_STATUSES),
}).strict();
export type IdTagInfo = z.infer<typeof IdTagInfo>;

/** OCPP 1.6 §7 SampledValue; omitted fields take `SAMPLED_VALUE_DEFAULTS`. */
export const SampledValue = z.object({
  value: z.string(),
  context: z.enum(READING_CONTEXTS).optional(),
  format: z.enum(VALUE_FORMATS).optional(),
  measurand: z.enum(MEASURANDS).optional(),
  phase: z.enum(PHASES).optional(),
  location: z.enum(LOCATIONS).optional(),
  unit: z.enum(UNITS).optional(),
}).strict();
export type SampledValue = z.infer<typeof SampledValue>;

/**
 * OCPP 1.6 §7 MeterValue. The spec wants at least one sampledValue; the JSON schema, which we mirror, sets no
 * minimum.
 */
export const MeterValue = z.object({
  timestamp: dateTime,
  sampledValue: z.array(SampledValue),
}).strict();
export type MeterValue = z.infer<typeof MeterValue>;

/** OCPP 1.6 §7 ChargingSchedulePeriod. */
export const ChargingSchedulePeriod = z.object({
  startPeriod: integer,
  limit: decimalOneDigit,
  numberPhases: integer.optional(),
}).strict();
export type ChargingSchedulePeriod = z.infer<typeof ChargingSchedulePeriod>;

/** OCPP 1.6 §7 ChargingSchedule. */
export const ChargingSchedule = z.object({
  duration: integer.optional(),
  startSchedule: dateTime.optional(),
  chargingRateUnit: z.enum(CHARGING_RATE_UNITS),
  chargingSchedulePeriod: z.array(ChargingSchedulePeriod),
  minChargingRate: decimalOneDigit.optional(),
}).strict();
export type ChargingSchedule = z.infer<typeof ChargingSchedule>;

/** OCPP 1.6 §7 ChargingProfile (RemoteStartTransaction `chargingProfile`, SetChargingProfile). */
export const ChargingProfile = z.object({
  chargingProfileId: integer,
  transactionId: integer.optional(),
  stackLevel: integer,
  chargingProfilePurpose: z.enum(CHARGING_PROFILE_PURPOSES),
  chargingProfileKind: z.enum(CHARGING_PROFILE_KINDS),
  recurrencyKind: z.enum(RECURRENCY_KINDS).optional(),
  validFrom: dateTime.optional(),
  validTo: dateTime.optional(),
  chargingSchedule: ChargingSchedule,
}).strict();
export type ChargingProfile = z.infer<typeof ChargingProfile>;

/** OCPP 1.6 §7 KeyValue: one configuration key in a GetConfiguration response. */
export const KeyValue = z.object({
  key: CiString50,
  readonly: z.boolean(),
  value: CiString500.optional(),
}).strict();
export type KeyValue = z.infer<typeof KeyValue>;

/** OCPP 1.6 §7 AuthorizationData: one entry of a SendLocalList. */
export const AuthorizationData = z.object({
  idTag: IdToken,
  idTagInfo: IdTagInfo.optional(),
}).strict();
export type AuthorizationData = z.infer<typeof AuthorizationData>;

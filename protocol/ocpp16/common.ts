/**
 * Building blocks shared by the OCPP 1.6 action schemas (OCPP 1.6 §7 "Types"), each mirroring the matching
 * fragment of the official JSON schemas: strict objects for `additionalProperties: false`, and the JSON Schema
 * keywords of `../ocppj/json_schema.ts` (lengths in code points, formats checked as ajv-formats does).
 */
import { z } from "zod";
import {
  AUTHORIZATION_STATUSES,
  CHARGING_PROFILE_KINDS,
  CHARGING_PROFILE_PURPOSES,
  CHARGING_RATE_UNITS,
  HASH_ALGORITHMS,
  LOCATIONS,
  MEASURANDS,
  PHASES,
  READING_CONTEXTS,
  RECURRENCY_KINDS,
  UNITS,
  VALUE_FORMATS,
} from "./enums.ts";
import { dateTime, decimalMultipleOf, integer, maxLengthString } from "../ocppj/json_schema.ts";

/** OCPP 1.6 §7 CiString20Type (also IdToken). */
export const CiString20 = maxLengthString(20);
/** OCPP 1.6 §7 CiString25Type. */
export const CiString25 = maxLengthString(25);
/** OCPP 1.6 §7 CiString50Type. */
export const CiString50 = maxLengthString(50);
/** OCPP 1.6 §7 CiString255Type. */
export const CiString255 = maxLengthString(255);
/** OCPP 1.6 §7 CiString500Type. */
export const CiString500 = maxLengthString(500);

/** OCPP 1.6 §7 IdToken: the idTag a station reads from a card or app. */
export const IdToken = CiString20;

/** OCPP 1.6 §7 decimals with one digit of precision (charging limits). */
export const decimalOneDigit = decimalMultipleOf(0.1);

/** OCPP 1.6 §7 IdTagInfo. */
export const IdTagInfo = z.strictObject({
  expiryDate: dateTime.optional(),
  parentIdTag: IdToken.optional(),
  status: z.enum(AUTHORIZATION_STATUSES),
});
export type IdTagInfo = z.infer<typeof IdTagInfo>;

/** OCPP 1.6 §7 SampledValue; omitted fields take `SAMPLED_VALUE_DEFAULTS`. */
export const SampledValue = z.strictObject({
  value: z.string(),
  context: z.enum(READING_CONTEXTS).optional(),
  format: z.enum(VALUE_FORMATS).optional(),
  measurand: z.enum(MEASURANDS).optional(),
  phase: z.enum(PHASES).optional(),
  location: z.enum(LOCATIONS).optional(),
  unit: z.enum(UNITS).optional(),
});
export type SampledValue = z.infer<typeof SampledValue>;

/**
 * OCPP 1.6 §7 MeterValue. The spec wants at least one sampledValue; the JSON schema, which we mirror, sets no
 * minimum.
 */
export const MeterValue = z.strictObject({
  timestamp: dateTime,
  sampledValue: z.array(SampledValue),
});
export type MeterValue = z.infer<typeof MeterValue>;

/** OCPP 1.6 §7 ChargingSchedulePeriod. */
export const ChargingSchedulePeriod = z.strictObject({
  startPeriod: integer,
  limit: decimalOneDigit,
  numberPhases: integer.optional(),
});
export type ChargingSchedulePeriod = z.infer<typeof ChargingSchedulePeriod>;

/** OCPP 1.6 §7 ChargingSchedule. */
export const ChargingSchedule = z.strictObject({
  duration: integer.optional(),
  startSchedule: dateTime.optional(),
  chargingRateUnit: z.enum(CHARGING_RATE_UNITS),
  chargingSchedulePeriod: z.array(ChargingSchedulePeriod),
  minChargingRate: decimalOneDigit.optional(),
});
export type ChargingSchedule = z.infer<typeof ChargingSchedule>;

/** OCPP 1.6 §7 ChargingProfile (RemoteStartTransaction `chargingProfile`, SetChargingProfile). */
export const ChargingProfile = z.strictObject({
  chargingProfileId: integer,
  transactionId: integer.optional(),
  stackLevel: integer,
  chargingProfilePurpose: z.enum(CHARGING_PROFILE_PURPOSES),
  chargingProfileKind: z.enum(CHARGING_PROFILE_KINDS),
  recurrencyKind: z.enum(RECURRENCY_KINDS).optional(),
  validFrom: dateTime.optional(),
  validTo: dateTime.optional(),
  chargingSchedule: ChargingSchedule,
});
export type ChargingProfile = z.infer<typeof ChargingProfile>;

/** OCPP 1.6 §7 KeyValue: one configuration key in a GetConfiguration response. */
export const KeyValue = z.strictObject({
  key: CiString50,
  readonly: z.boolean(),
  value: CiString500.optional(),
});
export type KeyValue = z.infer<typeof KeyValue>;

/** OCPP 1.6 §7 AuthorizationData: one entry of a SendLocalList. */
export const AuthorizationData = z.strictObject({
  idTag: IdToken,
  idTagInfo: IdTagInfo.optional(),
});
export type AuthorizationData = z.infer<typeof AuthorizationData>;

/**
 * Security Whitepaper ed. 3 §6 CertificateHashDataType: identifies an installed certificate by its issuer's
 * name and key hashes and its serial number (hex), as in OCSP (RFC 6960).
 */
export const CertificateHashData = z.strictObject({
  hashAlgorithm: z.enum(HASH_ALGORITHMS),
  issuerNameHash: maxLengthString(128),
  issuerKeyHash: maxLengthString(128),
  serialNumber: maxLengthString(40),
});
export type CertificateHashData = z.infer<typeof CertificateHashData>;

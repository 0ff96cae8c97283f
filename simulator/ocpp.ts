/**
 * The simulator's one door into `protocol/`: the OCPP 1.6 names, types and date-time reading it needs.
 * Frames on the wire are checked by npm `ocpp-rpc` in strict mode against the official OCPP 1.6 JSON schemas
 * (see `connection.ts`); every `protocol/` import is kept in this file, so a change of `protocol/` touches
 * only this one.
 */
import type { RequestOf, ResponseOf } from "../protocol/ocpp16/mod.ts";
import { toUtcIso } from "../protocol/ocppj/time.ts";

export type { CpToCsAction, RequestOf, ResponseOf } from "../protocol/ocpp16/mod.ts";
/** A virtual station answers the specification's 19 commands; the Security extension's are not simulated. */
export type { CoreCsToCpAction as CsToCpAction } from "../protocol/ocpp16/mod.ts";
export {
  CHARGE_POINT_ERROR_CODES,
  type ChargePointErrorCode,
  type ChargePointStatus,
  type ChargingRateUnit,
  type Measurand,
  MEASURANDS,
  type StopReason,
} from "../protocol/ocpp16/enums.ts";

export type ChargingProfile = RequestOf<"SetChargingProfile">["csChargingProfiles"];
export type ChargingSchedule = ChargingProfile["chargingSchedule"];
export type ChargingSchedulePeriod = ChargingSchedule["chargingSchedulePeriod"][number];
export type IdTagInfo = ResponseOf<"Authorize">["idTagInfo"];
export type AuthorizationStatus = IdTagInfo["status"];
export type MeterValue = RequestOf<"MeterValues">["meterValue"][number];
export type SampledValue = MeterValue["sampledValue"][number];
export type ReadingContext = NonNullable<SampledValue["context"]>;
export type RegistrationStatus = ResponseOf<"BootNotification">["status"];
export type MessageTrigger = RequestOf<"TriggerMessage">["requestedMessage"];
export type FirmwareStatus = RequestOf<"FirmwareStatusNotification">["status"];
export type DiagnosticsStatus = RequestOf<"DiagnosticsStatusNotification">["status"];
export type BootInfo = RequestOf<"BootNotification">;

/**
 * Milliseconds since the epoch of an OCPP date-time; one without a time zone is UTC (OCPP 1.6 §3.15), which
 * `Date.parse` would read as local time.
 *
 * @example
 * ```ts
 * parseOcppTime("2030-01-01T00:00:00"); // 1893456000000
 * ```
 */
export function parseOcppTime(value: string): number {
  return Date.parse(toUtcIso(value));
}

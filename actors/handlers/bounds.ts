import { OcppError } from "../../protocol/ocppj/errors.ts";

/**
 * The highest connector (1.6) or EVSE / EVSE connector (2.0.1) id we keep. The schemas allow any 32-bit
 * integer; a station's record holds one entry per connector it reported, and on Deno KV a record holds at most
 * 64 KiB: a station reporting thousands of ids would make its own record unwritable (every later message
 * failed). Real stations have a handful; controllers behind one connection a few dozen.
 */
export const MAX_CONNECTOR_ID = 100;

/** The most connector entries (EVSE and connector pairs) a 2.0.1 station's record keeps. */
export const MAX_EVSE_CONNECTORS = 100;

/**
 * The official JSON schemas only say "integer" for connectorId; the spec's field tables bound it from below:
 * 0 is the whole station and connectors count from 1 (OCPP 1.6 §6.45, §6.47, §6.31); from above, see
 * MAX_CONNECTOR_ID. A value outside is refused with PropertyConstraintViolation rather than stored.
 */
export function requireConnectorId(connectorId: number, min: 0 | 1, field = "connectorId"): void {
  if (connectorId > MAX_CONNECTOR_ID) {
    throw new OcppError(
      "PropertyConstraintViolation",
      `Field "${field}" must be at most ${MAX_CONNECTOR_ID}, got ${connectorId}`,
      { field, constraint: "maximum" },
    );
  }
  if (connectorId >= min) return;
  const bound = min === 0 ? "0 or more" : "greater than 0";
  throw new OcppError(
    "PropertyConstraintViolation",
    `Field "${field}" must be ${bound}, got ${connectorId}`,
    { field, constraint: "minimum" },
  );
}

/** A new EVSE connector entry is refused once the record holds MAX_EVSE_CONNECTORS of them. */
export function requireRoomForConnector(entries: number, isNew: boolean): void {
  if (!isNew || entries < MAX_EVSE_CONNECTORS) return;
  throw new OcppError(
    "PropertyConstraintViolation",
    `A station may report at most ${MAX_EVSE_CONNECTORS} connectors; this one is one more`,
    { field: "connectorId", constraint: "maximum" },
  );
}

/**
 * The longest sampled value (OCPP 1.6 `value`, a string the schema does not bound) we keep: twice what OCPP
 * 2.0.1 allows a signed meter value (2,500). A Deno KV value holds at most 64 KiB, so one reading of 65 KB
 * could never be stored and its MeterValues or StopTransaction would fail on every retry.
 */
export const MAX_SAMPLED_VALUE_LENGTH = 5000;

/** Refuses (PropertyConstraintViolation) a reading longer than MAX_SAMPLED_VALUE_LENGTH, naming its field. */
export function requireSampledValuesFit(
  meterValues: readonly { sampledValue: readonly { value: string }[] }[],
  field: string,
): void {
  meterValues.forEach((mv, i) =>
    mv.sampledValue.forEach((s, j) => {
      if (s.value.length <= MAX_SAMPLED_VALUE_LENGTH) return;
      const path = `${field}.${i}.sampledValue.${j}.value`;
      throw new OcppError(
        "PropertyConstraintViolation",
        `Field "${path}" must be at most ${MAX_SAMPLED_VALUE_LENGTH} character(s) long, got ${s.value.length}`,
        { field: path, constraint: "maxLength" },
      );
    })
  );
}

/**
 * The most device model entries (variables) a 2.0.1 station's reports may store. A real station's model has
 * hundreds to a few thousand; without a bound a station sending report parts of new variables for ever (no
 * one needs to have asked) grows its stored model, read by the API and the station page, for ever.
 */
export const MAX_DEVICE_MODEL_ENTRIES = 10_000;

/**
 * Refuses (OccurrenceConstraintViolation) a report that would add `added` entries to a model of `stored` (or
 * of at least `stored`: counted only as far as it decides).
 */
export function requireRoomForVariables(stored: number, added: number): void {
  if (added === 0 || stored + added <= MAX_DEVICE_MODEL_ENTRIES) return;
  throw new OcppError(
    "OccurenceConstraintViolation",
    `A station's device model may hold at most ${MAX_DEVICE_MODEL_ENTRIES} variables; this report would add ${added} to at least ${stored}`,
    { field: "reportData", constraint: "maxItems" },
  );
}

/**
 * OCPP 2.0.1 charging schedule periods a station reports (NotifyChargingLimit K12): the schema says only
 * "number" for `limit` and "integer" for `numberPhases`; the spec's field tables mean a rate of 0 or more over
 * 1 to 3 phases. Load management divides a site by these limits: a negative one, or watts over 0 phases (0 / 0
 * amps, NaN), made every share of the site NaN, so no profile went out and the site kept its old limits.
 */
export function requireSchedulePeriodsInRange(
  schedules: readonly {
    chargingSchedulePeriod: readonly { limit: number; numberPhases?: number | undefined }[];
  }[],
  field: string,
): void {
  schedules.forEach((schedule, i) =>
    schedule.chargingSchedulePeriod.forEach((period, j) => {
      const path = `${field}.${i}.chargingSchedulePeriod.${j}`;
      if (period.limit < 0) {
        throw new OcppError(
          "PropertyConstraintViolation",
          `Field "${path}.limit" must be 0 or more, got ${period.limit}`,
          { field: `${path}.limit`, constraint: "minimum" },
        );
      }
      const phases = period.numberPhases;
      if (phases !== undefined && (phases < 1 || phases > 3)) {
        throw new OcppError(
          "PropertyConstraintViolation",
          `Field "${path}.numberPhases" must be 1 to 3, got ${phases}`,
          { field: `${path}.numberPhases`, constraint: phases < 1 ? "minimum" : "maximum" },
        );
      }
    })
  );
}

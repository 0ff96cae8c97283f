import { OcppError } from "../../protocol/ocppj/errors.ts";

/**
 * The official JSON schemas only say "integer" for connectorId; the spec's field tables bound it: 0 is the
 * whole station and connectors count from 1 (OCPP 1.6 §6.45, §6.47, §6.31). A value outside is refused with
 * PropertyConstraintViolation rather than stored (the PostgreSQL schema would refuse it as InternalError,
 * and the station would retry it forever).
 */
export function requireConnectorId(connectorId: number, min: 0 | 1): void {
  if (connectorId >= min) return;
  const bound = min === 0 ? "0 or more" : "greater than 0";
  throw new OcppError(
    "PropertyConstraintViolation",
    `Field "connectorId" must be ${bound}, got ${connectorId}`,
    {
      field: "connectorId",
      constraint: "minimum",
    },
  );
}

/**
 * A meterStart must be an integer we can store exactly (JSON allows 1e20; a JavaScript number stops being
 * exact at 2^53 and PostgreSQL's bigint at 2^63): refused with PropertyConstraintViolation rather than stored
 * wrong, or failed on every retry. (Not used for StopTransaction, which is always answered with a CALLRESULT.)
 */
export function requireExactInteger(field: string, value: number): void {
  if (Number.isSafeInteger(value)) return;
  throw new OcppError(
    "PropertyConstraintViolation",
    `Field "${field}" is too large to store exactly, got ${value}`,
    {
      field,
      constraint: "maximum",
    },
  );
}

/**
 * OCPP-J 1.6 CALLERROR codes (OCPP-J 1.6 §4.2.3), spelled exactly as on the wire, including the spec's own
 * `OccurenceConstraintViolation`. OCPP-J 2.0.1 renames two (`FormatViolation`, `OccurrenceConstraintViolation`)
 * and adds two: a 2.0.1 dialect will need its own spelling of these codes.
 */
export const OCPP_ERROR_CODES = [
  "NotImplemented",
  "NotSupported",
  "InternalError",
  "ProtocolError",
  "SecurityError",
  "FormationViolation",
  "PropertyConstraintViolation",
  "OccurenceConstraintViolation",
  "TypeConstraintViolation",
  "GenericError",
] as const;

export type OcppErrorCode = typeof OCPP_ERROR_CODES[number];

export function isOcppErrorCode(value: unknown): value is OcppErrorCode {
  return typeof value === "string" && (OCPP_ERROR_CODES as readonly string[]).includes(value);
}

/**
 * The one error a handler may throw to answer a CALL with a CALLERROR. Anything else becomes InternalError,
 * without its message or stack (we never leak internals to a station).
 *
 * @example
 * ```ts
 * throw new OcppError("NotSupported", `Action "Reset" is sent by the Central System, not to it`);
 * ```
 */
export class OcppError extends Error {
  override name = "OcppError";
  constructor(
    readonly code: OcppErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

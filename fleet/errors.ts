/**
 * The one way a fleet operation refuses an operator's request; routes turn it into the HTTP answer (the kind
 * picks the status: invalid 400, forbidden 403, not_found 404, conflict/not_connected/refused 409,
 * station_error 502, station_timeout 504).
 *
 * @example
 * ```ts
 * throw new FleetError("not_found", `Job "J-9" is unknown`);
 * ```
 */
export type FleetErrorKind =
  | "invalid"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "not_connected"
  | "refused"
  | "station_error"
  | "station_timeout";

export class FleetError extends Error {
  override name = "FleetError";
  constructor(
    readonly kind: FleetErrorKind,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

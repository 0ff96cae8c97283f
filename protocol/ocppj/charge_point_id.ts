/**
 * What we accept as a charge point id (the last segment of `/ocpp/{id}`): printable ASCII without spaces,
 * 1 to 48 characters (OCPP 1.6 chargeBoxIdentity is CiString48 in the SOAP binding), and not "." or "..":
 * URLs drop those segments (RFC 3986 §5.2.4), so no client could name such a station in the operator API.
 *
 * @example
 * ```ts
 * isChargePointId("CP001"); // true
 * isChargePointId("CP 001"); // false
 * isChargePointId(".."); // false
 * ```
 */
export function isChargePointId(value: string): boolean {
  return CHARGE_POINT_ID.test(value) && value !== "." && value !== "..";
}

const CHARGE_POINT_ID = /^[\x21-\x7e]{1,48}$/;

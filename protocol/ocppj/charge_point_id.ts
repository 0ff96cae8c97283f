/**
 * What we accept as a charge point id (the last segment of `/ocpp/{id}`): printable ASCII without spaces,
 * 1 to 48 characters (OCPP 1.6 chargeBoxIdentity is CiString48 in the SOAP binding).
 *
 * @example
 * ```ts
 * isChargePointId("CP001"); // true
 * isChargePointId("CP 001"); // false
 * ```
 */
export function isChargePointId(value: string): boolean {
  return CHARGE_POINT_ID.test(value);
}

const CHARGE_POINT_ID = /^[\x21-\x7e]{1,48}$/;

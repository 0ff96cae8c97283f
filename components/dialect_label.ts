/**
 * A station's dialect as operators read it (`OCPP 1.6`, `OCPP 2.0.1`) from the subprotocol of its last
 * connection; null for one that never connected (its dialect is not known yet). Shared by the overview's
 * table and its job form, so the dialect shown is the one the form judges commands by.
 *
 * @example
 * ```ts
 * dialectLabel("ocpp2.0.1"); // "OCPP 2.0.1"
 * dialectLabel(null); // null
 * ```
 */
export type DialectLabel = "OCPP 1.6" | "OCPP 2.0.1";

export function dialectLabel(ocppVersion: string | null | undefined): DialectLabel | null {
  if (ocppVersion === "ocpp2.0.1") return "OCPP 2.0.1";
  if (ocppVersion === "ocpp1.6") return "OCPP 1.6";
  return null;
}

/**
 * What the station page's Commands form opens some commands with: a stop (and 2.0.1's status question) names
 * the session the station runs, by the id its dialect wants (1.6: ours; 2.0.1: the station's own), not an
 * empty field or the catalog's placeholder the station could only reject. Values as the form keeps them (a
 * 2.0.1 command's payload is its JSON text, `$json`). Pure.
 *
 * @example
 * ```ts ignore
 * commandPrefill(station); // { RemoteStopTransaction: { transactionId: "7" } }
 * ```
 */
import type { StationDetail } from "./types.ts";

export function commandPrefill(station: StationDetail): Record<string, Record<string, string>> {
  if (station.ocppVersion === "ocpp2.0.1") {
    const running = (station.evses ?? []).find((e) => e.transactionId !== undefined)?.transactionId;
    if (running === undefined) return {};
    const $json = JSON.stringify({ transactionId: running }, null, 2);
    return { RequestStopTransaction: { $json }, GetTransactionStatus: { $json } };
  }
  const running = station.connectors.find((c) => c.connectorId > 0 && c.transactionId !== undefined);
  return running ? { RemoteStopTransaction: { transactionId: String(running.transactionId) } } : {};
}

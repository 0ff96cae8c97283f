/**
 * The EVSEs of an OCPP 2.0.1 station (OCPP 2.0.1 Part 1 §2.2: a station has EVSEs, an EVSE has connectors):
 * the last status of each connector and the station's transaction open on the EVSE. Pure.
 */
import type { EvseConnectorState } from "./charge_point.ts";

/**
 * `evses` with one connector's status recorded (a new entry when never seen), sorted by EVSE and connector.
 *
 * @example
 * ```ts
 * upsertEvseConnector([], { evseId: 1, connectorId: 1, status: "Available", timestamp: "2026-01-01T00:00:00Z" });
 * ```
 */
export function upsertEvseConnector(
  evses: readonly EvseConnectorState[],
  report: Omit<EvseConnectorState, "transactionId">,
): EvseConnectorState[] {
  const open = evses.find((e) => e.evseId === report.evseId && e.transactionId !== undefined)?.transactionId;
  const next: EvseConnectorState = { ...report };
  if (open !== undefined) next.transactionId = open;
  const rest = evses.filter((e) => !(e.evseId === report.evseId && e.connectorId === report.connectorId));
  return [...rest, next].sort((a, b) => a.evseId - b.evseId || a.connectorId - b.connectorId);
}

/**
 * `evses` with the station's transaction `transactionId` open on EVSE `evseId` (null: closed wherever it
 * was). An EVSE never reported gets an entry for its connector `connectorId` (default 1), assumed Occupied
 * until a StatusNotification replaces it; closed, such an entry goes (nothing says what it is then).
 */
export function setEvseTransaction(
  evses: readonly EvseConnectorState[],
  transactionId: string,
  evseId: number | null,
  at: string,
  connectorId = 1,
): EvseConnectorState[] {
  let next = evses.flatMap((e): EvseConnectorState[] => {
    if (e.transactionId === transactionId && e.evseId !== evseId) {
      if (e.assumed) return [];
      const { transactionId: _, ...rest } = e;
      return [rest];
    }
    return [e.evseId === evseId ? { ...e, transactionId } : e];
  });
  if (evseId !== null && !next.some((e) => e.evseId === evseId)) {
    const opened: EvseConnectorState = {
      evseId,
      connectorId,
      status: "Occupied",
      timestamp: at,
      transactionId,
      assumed: true,
    };
    next = [...next, opened]
      .sort((a, b) => a.evseId - b.evseId || a.connectorId - b.connectorId);
  }
  return next;
}

/**
 * Whether an operator's "Stop charging" can reach a running session's station now, and if not why: shared by
 * the transaction page (its first render) and its StopTransaction island (again when the station comes back).
 * A stop goes only to a connected station that still reports the session on its connector (2.0.1: EVSE):
 * nothing queues a command for a station that is away (a command to it ends `not_connected`), so an offline
 * station is told as such, with when it was last seen, rather than offered a button that cannot work.
 *
 * @example
 * ```ts
 * const station = { online: false, lastSeen: "2026-01-01T10:00:00.000Z", connectors: [], evses: [] };
 * stopReach(station, { transactionId: 7, connectorId: 1 }); // { kind: "offline", lastSeen: "2026-01-01T10:00:00.000Z" }
 * ```
 */
import { reportsSession } from "./connector_status.ts";

export type StopReach =
  /** Connected and still reporting the session: a stop is sent now. */
  | { kind: "running" }
  /** Not connected: a stop cannot reach it; offered again when it reconnects. */
  | { kind: "offline"; lastSeen: string | null }
  /** Connected, but its connector (EVSE) does not report the session: it ended or forgot it. */
  | { kind: "notReported" };

export interface StationForStop {
  online: boolean;
  lastSeen: string | null;
  connectors: readonly { connectorId: number; status: string; transactionId?: number | undefined }[];
  evses?: readonly { evseId: number; status: string; ledgerTransactionId?: number | undefined }[] | undefined;
}

/** A 1.6 connector holds our id; a 2.0.1 EVSE (the session's connectorId) the ledger's id paired with its own. */
export function stopReach(
  station: StationForStop,
  session: { transactionId: number; connectorId: number },
): StopReach {
  if (!station.online) return { kind: "offline", lastSeen: station.lastSeen };
  const reported =
    station.connectors.some((c) =>
      c.connectorId === session.connectorId && c.transactionId === session.transactionId && reportsSession(c)
    ) ||
    (station.evses ?? []).some((e) =>
      e.evseId === session.connectorId && e.ledgerTransactionId === session.transactionId && reportsSession(e)
    );
  return reported ? { kind: "running" } : { kind: "notReported" };
}

/**
 * Room for a whole-station reservation (OCPP 1.6 §5.13, connector 0; 2.0.1 H01, no EVSE): the station keeps
 * one free connector for each such holder. A connector is free when it is Available and holds no reservation
 * of its own. Taking a connector (a reservation on it, a remote start there, or a remote start without one,
 * where the station picks a free connector) for a tag that does not hold a whole-station reservation must
 * leave a free connector for each of them; else the station either refuses, or starts a session the holder
 * then finds no connector for.
 */
import { type HeldReservation, type Holder, holdsReservation } from "./reservation_holder.ts";

/** A connector (1.6) or EVSE (2.0.1) as the reservation rules see it. */
export interface ConnectorRoom {
  connectorId: number;
  available: boolean;
}

export interface Take {
  /** The connector taken; null: the station picks one of the free ones. */
  connectorId: number | null;
  /** Whom it is taken for (a reservation's holder, a start's tag and its parent). */
  tag: Holder;
  /** A reservation that replaces one with its own id does not count that one. */
  reservationId?: number | null;
}

/**
 * The unexpired reservation of another holder that `take` leaves without a connector, or null. Conservative:
 * a start that names no connector is refused when it could take the one connector a reservation needs.
 */
export function crowdedOut<R extends HeldReservation>(
  reservations: readonly R[],
  connectors: readonly ConnectorRoom[],
  take: Take,
  nowMs: number,
): R | null {
  const live = reservations.filter((r) =>
    Date.parse(r.expiryDate) > nowMs && r.reservationId !== (take.reservationId ?? null)
  );
  const theirs = live.filter((r) => !holdsReservation(r, take.tag));
  const wholeStation = theirs.filter((r) => r.connectorId === 0);
  const reservedHere = new Set(live.filter((r) => r.connectorId !== 0).map((r) => r.connectorId));
  const free = connectors.filter((c) => c.connectorId > 0 && c.available && !reservedHere.has(c.connectorId));
  if (take.connectorId === null) {
    // The tag's own reservation (on a connector, or the station's) is what its start uses.
    if (live.some((r) => holdsReservation(r, take.tag))) return null;
    if (wholeStation.length > 0 && free.length <= wholeStation.length) return wholeStation[0]!;
    // No free connector: the station could only take one reserved for another holder.
    if (free.length === 0) return theirs[0] ?? null;
    return null;
  }
  if (take.connectorId === 0 || wholeStation.length === 0) return null;
  const left = free.filter((c) => c.connectorId !== take.connectorId).length;
  return left < wholeStation.length ? wholeStation[0]! : null;
}

/**
 * The reservation ledger's holds of a station as its actor's guards read them (`ActorDeps.ledgerHolds`): its
 * active reservations the station never confirmed (a ReserveNow nobody answered, which the station may hold).
 * The snapshot may lack such a hold: the timeout's write of a station's old connection is kept out of the
 * record once a newer connection wrote it (the station moved to another node meanwhile), and a write may fail.
 * Confirmed ones are left to the snapshot, which follows what the station said since (a start that used one
 * before the ledger heard of it, a 2.0.1 ReservationStatusUpdate that removed one).
 *
 * @example
 * ```ts
 * import { ledgerHolds } from "./ledger_holds.ts";
 * const holdsOf = ledgerHolds({ listActiveReservations: () => Promise.resolve([]) });
 * await holdsOf("CP-1"); // []
 * ```
 */
import type { Reservation } from "../model/charge_point.ts";
import type { ReservationRecord, ReservationStore } from "../store/fleet.ts";

export function ledgerHolds(
  reservations: Pick<ReservationStore, "listActiveReservations">,
): (chargePointId: string) => Promise<Reservation[]> {
  return async (chargePointId) =>
    (await reservations.listActiveReservations(chargePointId)).filter((r) => r.unconfirmed).map(asHeld);
}

function asHeld(r: ReservationRecord): Reservation {
  return {
    reservationId: r.reservationId,
    connectorId: r.connectorId,
    idTag: r.idTag,
    ...(r.parentIdTag !== null ? { parentIdTag: r.parentIdTag } : {}),
    expiryDate: r.expiryDate,
    requestedAt: r.createdAt,
    unconfirmed: true,
  };
}

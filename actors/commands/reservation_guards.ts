/**
 * What a station's reservations (its snapshot's, OCPP 1.6 §5.13) forbid our commands, unless forced: a second
 * reservation on a connector that holds one (a station that has not reported Reserved yet would take it, and
 * both holders come), and a remote start there for a tag that does not hold it (the station would answer its
 * StartTransaction for the holder only, or start a session the holder then finds taken).
 */
import type { LiveRecord, Reservation } from "../../model/charge_point.ts";
import { type Holder, holdsReservation, reservationOn } from "../../model/reservation_holder.ts";
import type { Refusal } from "./command.ts";

/** A ReserveNow for `connectorId` that would be a second reservation there (its own id replaces it). */
export function secondReservation(
  state: Readonly<LiveRecord>,
  connectorId: number,
  reservationId: number,
  now: Date,
): Refusal | null {
  const held = reservationOn(state.reservations ?? [], connectorId, now.getTime(), reservationId);
  return held
    ? heldRefusal(held, `connector ${connectorId} already holds reservation ${held.reservationId}`)
    : null;
}

/** A remote start of `tag` on `connectorId`, reserved for another holder. */
export function reservedForAnother(
  state: Readonly<LiveRecord>,
  connectorId: number,
  tag: Holder,
  now: Date,
): Refusal | null {
  const held = reservationOn(state.reservations ?? [], connectorId, now.getTime());
  if (!held || holdsReservation(held, tag)) return null;
  return heldRefusal(held, `connector ${connectorId} is reserved (reservation ${held.reservationId})`);
}

function heldRefusal(held: Reservation, what: string): Refusal {
  const parent = held.parentIdTag ? ` or a tag of "${held.parentIdTag}"` : "";
  return {
    reason: `${what} for "${held.idTag}"${parent} until ${held.expiryDate}`,
    details: {
      reservationId: held.reservationId,
      idTag: held.idTag,
      ...(held.parentIdTag ? { parentIdTag: held.parentIdTag } : {}),
      expiryDate: held.expiryDate,
    },
  };
}

/**
 * What a station's reservations (its snapshot's, OCPP 1.6 §5.13, 2.0.1 H01; with the ReserveNow commands still
 * waiting for the station's answer) forbid our commands, unless forced: a second reservation on a connector
 * that holds one (a station that has not reported Reserved yet would take it, and both holders come), a remote
 * start there for a tag that does not hold it (the station would answer its StartTransaction for the holder
 * only, or start a session the holder then finds taken), and either of them taking the last free connector a
 * whole-station reservation needs (`model/reservation_room.ts`), a start without a connector included.
 */
import type { LiveRecord, Reservation } from "../../model/charge_point.ts";
import { type Holder, holdsReservation, reservationOn } from "../../model/reservation_holder.ts";
import { type ConnectorRoom, crowdedOut } from "../../model/reservation_room.ts";
import type { Refusal } from "./command.ts";

/**
 * A ReserveNow for `connectorId` (0: the station) that would be a second reservation there (its own id replaces
 * it), or leave a whole-station reservation of another holder without a free connector.
 */
export function secondReservation(
  state: Readonly<LiveRecord>,
  connectorId: number,
  reservationId: number,
  now: Date,
  holder?: Holder,
): Refusal | null {
  const held = reservationOn(state.reservations ?? [], connectorId, now.getTime(), reservationId);
  if (held) {
    return heldRefusal(held, `connector ${connectorId} already holds reservation ${held.reservationId}`);
  }
  if (!holder) return null;
  const needed = crowdedOut(state.reservations ?? [], roomOf(state), {
    connectorId,
    tag: holder,
    reservationId,
  }, now.getTime());
  return needed ? heldRefusal(needed, lastFree(connectorId, needed)) : null;
}

/**
 * A remote start of `tag` on `connectorId` (null: the station picks one) reserved for another holder, or
 * taking the connector another holder's whole-station reservation needs.
 */
export function reservedForAnother(
  state: Readonly<LiveRecord>,
  connectorId: number | null,
  tag: Holder,
  now: Date,
): Refusal | null {
  if (connectorId !== null && connectorId !== 0) {
    const held = reservationOn(state.reservations ?? [], connectorId, now.getTime());
    if (held && !holdsReservation(held, tag)) {
      return heldRefusal(held, `connector ${connectorId} is reserved (reservation ${held.reservationId})`);
    }
  }
  const needed = crowdedOut(state.reservations ?? [], roomOf(state), {
    connectorId: connectorId === 0 ? null : connectorId,
    tag,
  }, now.getTime());
  if (!needed) return null;
  return heldRefusal(
    needed,
    needed.connectorId === 0
      ? lastFree(connectorId ?? "picked by the station", needed)
      : `every free connector is reserved (reservation ${needed.reservationId})`,
  );
}

function lastFree(connector: number | string, needed: Reservation): string {
  return `connector ${connector} would take the last free connector that whole-station reservation ` +
    `${needed.reservationId} needs`;
}

/** The station's connectors (1.6) or EVSEs (2.0.1: Available when each of its connectors is). */
function roomOf(state: Readonly<LiveRecord>): ConnectorRoom[] {
  if (state.ocppVersion !== "ocpp2.0.1") {
    return state.connectors.map((c) => ({ connectorId: c.connectorId, available: c.status === "Available" }));
  }
  const byEvse = new Map<number, boolean>();
  for (const c of state.evses ?? []) {
    byEvse.set(c.evseId, (byEvse.get(c.evseId) ?? true) && c.status === "Available");
  }
  return [...byEvse].map(([connectorId, available]) => ({ connectorId, available }));
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

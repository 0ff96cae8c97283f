/**
 * A ReserveNow that timed out in the station's snapshot: the station may hold it, so the actor's guards must
 * hold it too until its late answer or its expiry, and across the station's reconnects (a new connection
 * never answers the old one's CALL, and an actor's memory ends with its connection). Written with the
 * command's timeout; taken out by a late refusal; an Accepted replaces it as any accepted ReserveNow does.
 * Pure.
 *
 * @example
 * ```ts
 * import { heldReservations } from "./reservation_hold.ts";
 * const hold = { reservationId: 7, connectorId: 1, idTag: "T", expiryDate: "2030-01-01T00:00:00.000Z", requestedAt: "2029-01-01T00:00:00.000Z" };
 * heldReservations({ reservations: [] }, hold, "2029-01-01T00:00:01.000Z")?.length; // 1
 * ```
 */
import type { Reservation } from "./charge_point.ts";

type WithReservations = { reservations?: Reservation[] };

/**
 * The snapshot's reservations with `hold` added, marked `unconfirmed` (the station never answered), or null when it has one of that id already (a ReserveNow
 * of a known id replaces it only once Accepted: until then the station holds at least the one recorded).
 * Those past their expiry at `at` are left out, as the station dropped them.
 */
export function heldReservations(
  record: WithReservations,
  hold: Reservation,
  at: string,
): Reservation[] | null {
  const reservations = record.reservations ?? [];
  if (reservations.some((r) => r.reservationId === hold.reservationId)) return null;
  const nowMs = Date.parse(at);
  return [...reservations.filter((r) => Date.parse(r.expiryDate) > nowMs), { ...hold, unconfirmed: true }];
}

/** The snapshot's reservations without `hold` (refused late), or null when it does not hold that very one. */
export function releasedReservations(record: WithReservations, hold: Reservation): Reservation[] | null {
  const reservations = record.reservations ?? [];
  const held = reservations.some((r) => sameHold(r, hold));
  return held ? reservations.filter((r) => !sameHold(r, hold)) : null;
}

function sameHold(r: Reservation, hold: Reservation): boolean {
  return r.reservationId === hold.reservationId && r.requestedAt === hold.requestedAt;
}

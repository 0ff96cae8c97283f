/**
 * Whom a reservation belongs to (OCPP 1.6 §5.13, 2.0.1 H01): its idTag and, when it names a parentIdTag (2.0.1:
 * groupIdToken), every tag of that parent; the parent tag itself too. A start by one of them on its connector
 * (any connector when it is 0) ends it; a start that names it for another tag does not: the station should have
 * kept the connector for its holder, and the holder may still come (SteVe marks a reservation used only for its
 * own idTag and connector, likewise).
 */
import { sameIdTag } from "./id_tag_key.ts";

/** What the rules read of a reservation (the station's snapshot's or the ledger's). */
export interface HeldReservation {
  reservationId: number;
  connectorId: number;
  idTag: string;
  expiryDate: string;
  parentIdTag?: string | null;
}

/** A tag and its parent as our id tags know it (none for an unknown tag). */
export interface Holder {
  idTag: string;
  parentIdTag?: string | null | undefined;
}

export function holdsReservation(reservation: HeldReservation, tag: Holder): boolean {
  if (sameIdTag(reservation.idTag, tag.idTag)) return true;
  if (reservation.parentIdTag && sameIdTag(reservation.parentIdTag, tag.idTag)) return true;
  const parent = tag.parentIdTag;
  if (!parent) return false;
  return sameIdTag(reservation.idTag, parent) ||
    (!!reservation.parentIdTag && sameIdTag(reservation.parentIdTag, parent));
}

export interface ReservationUse<R> {
  /** The reservation the start ends, or null. */
  used: R | null;
  /** The reservation the start names but may not use (another holder, another connector), or null. */
  notHeld: R | null;
}

/**
 * The reservation a start uses: the one it names when its tag holds it on that connector; else, when it names
 * none, the first of its tag's (its own before its parent's) on that connector or on connector 0.
 */
export function reservationUse<R extends HeldReservation>(
  reservations: readonly R[],
  start: Holder & { connectorId: number; reservationId: number | null },
): ReservationUse<R> {
  const onConnector = (r: R) => r.connectorId === start.connectorId || r.connectorId === 0;
  if (start.reservationId !== null) {
    const named = reservations.find((r) => r.reservationId === start.reservationId) ?? null;
    if (named && (!onConnector(named) || !holdsReservation(named, start))) {
      return { used: null, notHeld: named };
    }
    return { used: named, notHeld: null };
  }
  const mine = reservations.filter(onConnector);
  const used = mine.find((r) => sameIdTag(r.idTag, start.idTag)) ??
    mine.find((r) => holdsReservation(r, start)) ?? null;
  return { used, notHeld: null };
}

/**
 * The reservation of a ReserveNow still waiting for its answer (`asked`) that a start names and may use (its
 * holder, on its connector), when the station's recorded reservations settled nothing (`settled`, used or
 * not held): the station may take a reservation before we hear its Accepted.
 */
export function usedBeforeAnswer<R extends HeldReservation>(
  asked: readonly R[] | undefined,
  settled: HeldReservation | null,
  start: Holder & { connectorId: number; reservationId: number | null },
): R | null {
  if (settled || start.reservationId === null || !asked?.length) return null;
  return reservationUse(asked, start).used;
}

/**
 * The unexpired reservation of exactly `connectorId` that another reservation (`reservationId`, null for a
 * start) would clash with: one connector holds one reservation (replacing one with its own id is allowed).
 */
export function reservationOn<R extends HeldReservation>(
  reservations: readonly R[],
  connectorId: number,
  nowMs: number,
  except: number | null = null,
): R | null {
  return reservations.find((r) =>
    r.connectorId === connectorId && r.reservationId !== except && Date.parse(r.expiryDate) > nowMs
  ) ?? null;
}

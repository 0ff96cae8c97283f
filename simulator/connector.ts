/**
 * One connector of a virtual station as plain data, and the pure rules over it: its OCPP status is derived
 * from facts (a fault, a transaction, availability, a cable, a reservation) rather than stored, so it cannot
 * disagree with them; events return a new connector. The station sends a StatusNotification whenever the
 * derived status changes.
 */
import type { Electrical } from "./composite_schedule.ts";
import { type Ev, evDemandW, type Meter } from "./meter.ts";
import type { ChargePointErrorCode, ChargePointStatus } from "./ocpp.ts";

export interface Reservation {
  reservationId: number;
  idTag: string;
  parentIdTag?: string;
  /** ms since the epoch. */
  expiresAt: number;
}

export interface Transaction {
  /** Ours, until the Central System's StartTransaction.conf gives `transactionId`. */
  localId: number;
  transactionId?: number;
  idTag: string;
  /** The idTag's parent, when the Central System told us (Authorize/StartTransaction idTagInfo). */
  parentIdTag?: string;
  startedAt: number;
  meterStart: number;
  reservationId?: number;
  /** The Central System refused the idTag and StopTransactionOnInvalidId is false: no energy is given. */
  deauthorized?: boolean;
}

export interface Connector {
  connectorId: number;
  electrical: Electrical;
  /** What the connector's hardware gives at most, per phase. */
  maxCurrentA: number;
  operative: boolean;
  /** ChangeAvailability answered Scheduled: applied when the transaction ends (OCPP 1.6 §5.2). */
  scheduledAvailability?: "Operative" | "Inoperative";
  plugged: boolean;
  /** The car behind the cable, while plugged. */
  ev: Ev | null;
  fault: { errorCode: ChargePointErrorCode; info?: string } | null;
  reservation: Reservation | null;
  transaction: Transaction | null;
  /** A transaction ended and the cable is still in. */
  finishing: boolean;
  meter: Meter;
}

/** IEC 61851-1: below 6 A per phase a station cannot offer charging, so it suspends. */
export const MIN_CURRENT_A = 6;

export function newConnector(
  connectorId: number,
  options: { electrical: Electrical; maxCurrentA: number; energyWh: number },
): Connector {
  return {
    connectorId,
    electrical: options.electrical,
    maxCurrentA: options.maxCurrentA,
    operative: true,
    plugged: false,
    ev: null,
    fault: null,
    reservation: null,
    transaction: null,
    finishing: false,
    meter: { energyWh: options.energyWh, powerW: 0, offeredW: 0 },
  };
}

/** The connector's hardware maximum in watts. */
export function hardwareW(connector: Connector): number {
  return connector.maxCurrentA * connector.electrical.voltage * connector.electrical.phases;
}

/** The least offer in watts that lets a car charge (6 A on every phase). */
export function minimumOfferW(connector: Connector): number {
  return MIN_CURRENT_A * connector.electrical.voltage * connector.electrical.phases;
}

/**
 * The OCPP status the facts add up to (OCPP 1.6 §4.9), most serious first.
 *
 * @example
 * ```ts
 * statusOf({ ...connector, plugged: true }); // "Preparing"
 * ```
 */
export function statusOf(c: Connector): ChargePointStatus {
  if (c.fault) return "Faulted";
  if (c.transaction) {
    if (c.transaction.deauthorized || c.meter.offeredW < minimumOfferW(c)) return "SuspendedEVSE";
    if (!c.ev || evDemandW(c.ev, c.meter.offeredW) === 0) return "SuspendedEV";
    return "Charging";
  }
  if (!c.operative) return "Unavailable";
  if (c.finishing) return "Finishing";
  if (c.plugged) return "Preparing";
  if (c.reservation) return "Reserved";
  return "Available";
}

/** The cable goes in (a car arrives). */
export function plugIn(c: Connector, ev: Ev): Connector {
  return { ...c, plugged: true, ev, finishing: false };
}

/** The cable comes out (the car leaves); a transaction must have ended first. */
export function unplug(c: Connector): Connector {
  return { ...c, plugged: false, ev: null, finishing: false };
}

/**
 * Why `idTag` cannot start charging here now, or null. A reservation lets only its idTag (or one with its
 * parentIdTag) through (OCPP 1.6 §5.13).
 */
export function refuseStart(c: Connector, idTag: string, parentIdTag?: string): string | null {
  if (c.fault) return `connector ${c.connectorId} is Faulted`;
  if (!c.operative) return `connector ${c.connectorId} is Unavailable`;
  if (c.transaction) return `connector ${c.connectorId} is already charging`;
  if (c.finishing) return `connector ${c.connectorId} is Finishing`;
  if (c.reservation && !reservationAdmits(c.reservation, idTag, parentIdTag)) {
    return `connector ${c.connectorId} is reserved for another idTag`;
  }
  return null;
}

/** idTags compare case-insensitively (IdToken is a CiString20, OCPP 1.6 §7). */
export function sameIdTag(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

export function reservationAdmits(r: Reservation, idTag: string, parentIdTag?: string): boolean {
  return sameIdTag(r.idTag, idTag) || (r.parentIdTag !== undefined && sameIdTag(r.parentIdTag, parentIdTag));
}

/** A transaction begins; the reservation it used is consumed. */
export function beginTransaction(c: Connector, transaction: Transaction): Connector {
  const reservation = transaction.reservationId !== undefined ? null : c.reservation;
  return { ...c, transaction, reservation, finishing: false };
}

/** A transaction ends: the cable stays in (Finishing) and a scheduled availability change now applies. */
export function endTransaction(c: Connector): Connector {
  const next: Connector = { ...c, transaction: null, finishing: c.plugged };
  if (c.scheduledAvailability) {
    next.operative = c.scheduledAvailability === "Operative";
    // OCPP 1.6 §4.9 has no Unavailable -> Finishing: once out of service, the session is over for good.
    if (!next.operative) next.finishing = false;
    delete next.scheduledAvailability;
  }
  return next;
}

/** ChangeAvailability for this connector: at once, or after its transaction (Scheduled). */
export function changeAvailability(
  c: Connector,
  type: "Operative" | "Inoperative",
): { connector: Connector; status: "Accepted" | "Scheduled" } {
  if (c.transaction && (type === "Inoperative") === c.operative) {
    return { connector: { ...c, scheduledAvailability: type }, status: "Scheduled" };
  }
  const next: Connector = { ...c, operative: type === "Operative" };
  if (!next.operative) next.finishing = false;
  delete next.scheduledAvailability;
  return { connector: next, status: "Accepted" };
}

export type ReservationAnswer = "Accepted" | "Faulted" | "Occupied" | "Rejected" | "Unavailable";

/** ReserveNow's answer for this connector (OCPP 1.6 §5.13); the same reservationId may be renewed. */
export function reserveAnswer(c: Connector, reservationId: number): ReservationAnswer {
  if (c.fault) return "Faulted";
  if (!c.operative) return "Unavailable";
  if (c.transaction || c.plugged) return "Occupied";
  if (c.reservation && c.reservation.reservationId !== reservationId) return "Occupied";
  return "Accepted";
}

export function reserve(c: Connector, reservation: Reservation): Connector {
  return { ...c, reservation };
}

export function clearReservation(c: Connector): Connector {
  return { ...c, reservation: null };
}

export function fault(c: Connector, errorCode: ChargePointErrorCode, info?: string): Connector {
  return { ...c, fault: info === undefined ? { errorCode } : { errorCode, info } };
}

export function recover(c: Connector): Connector {
  return { ...c, fault: null };
}

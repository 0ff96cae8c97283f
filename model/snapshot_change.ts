/**
 * An operator's change of a snapshot that depends on the snapshot it changes, named so it can travel: in a
 * cluster it is computed by the node that holds the station's socket, from that node's memory of the
 * snapshot (a patch computed elsewhere would be overwritten by the station's next status). Pure.
 */
import { type LiveRecord, type Reservation, type SnapshotPatch, withoutReservation } from "./charge_point.ts";
import { detachTransaction } from "./connector_state.ts";
import { setEvseTransaction } from "./evse.ts";
import { protocolErrorsClear } from "./protocol_errors.ts";

/** A transaction closed by an operator leaves its connector (OCPP 2.0.1: its EVSE, by the station's id). */
export interface DetachTransaction {
  change: "detachTransaction";
  transactionId: number;
  /** OCPP 2.0.1: the station's own id of the transaction. */
  stationTransactionId?: string;
  at: string;
}

/**
 * An operator dismisses the firmware failure it saw (`status`): the station's firmware status is cleared, so
 * the failure no longer needs attention, unless the station reported another status since.
 */
export interface DismissFirmwareFailure {
  change: "dismissFirmwareFailure";
  status: string;
  at: string;
}

/**
 * An operator clears the station's protocol errors after fixing the station: the ones it saw (its last one at
 * `lastAt`) go, unless the station sent another bad frame since (that one is news, not what was fixed).
 */
export interface ClearProtocolErrors {
  change: "clearProtocolErrors";
  lastAt: string;
  at: string;
}

/**
 * The station accepted a ReserveNow on a connection that a newer one had replaced (its node frozen, say): the
 * stale actor's write was refused, so the node holding the station now keeps the reservation the station took.
 */
export interface KeepReservation {
  change: "keepReservation";
  reservation: Reservation;
  at: string;
}

export type SnapshotChange =
  | DetachTransaction
  | DismissFirmwareFailure
  | ClearProtocolErrors
  | KeepReservation;

/** A named change this version does not know (sent by a newer node of the cluster). */
export class UnknownSnapshotChangeError extends Error {
  constructor(readonly change: unknown) {
    super(`Unknown snapshot change ${JSON.stringify(change)}: is every node of the cluster on this version?`);
    this.name = "UnknownSnapshotChangeError";
  }
}

/** True for a named change (a plain patch never has a `change` field). */
export function isSnapshotChange(update: SnapshotPatch | SnapshotChange): update is SnapshotChange {
  return "change" in update;
}

/**
 * The patch `change` makes to `record`.
 *
 * @example
 * ```ts
 * patchFor(record, { change: "detachTransaction", transactionId: 7, at: "2026-01-01T00:00:00Z" });
 * ```
 */
export function patchFor(record: Readonly<LiveRecord>, change: SnapshotChange): SnapshotPatch {
  if (change.change === "dismissFirmwareFailure") {
    // Another status since: that one is what the station says now, not the failure the operator saw.
    return record.firmwareStatus === change.status
      ? { firmwareStatus: null, updatedAt: change.at }
      : { updatedAt: record.updatedAt };
  }
  if (change.change === "clearProtocolErrors") {
    return "cleared" in protocolErrorsClear(record.protocolErrors, change.lastAt)
      ? { protocolErrors: null, updatedAt: change.at }
      : { updatedAt: record.updatedAt };
  }
  if (change.change === "keepReservation") {
    const { reservation, at } = change;
    return {
      reservations: [...withoutReservation(record, reservation.reservationId, at), reservation],
      updatedAt: at,
    };
  }
  if (change.change !== "detachTransaction") {
    // A change a newer node sent (a rolling upgrade): refused, never read as another change.
    throw new UnknownSnapshotChangeError((change as { change: unknown }).change);
  }
  const { transactionId, stationTransactionId, at } = change;
  return {
    connectors: detachTransaction(record.connectors, transactionId),
    ...(stationTransactionId !== undefined &&
        record.evses?.some((e) => e.transactionId === stationTransactionId)
      ? { evses: setEvseTransaction(record.evses, stationTransactionId, null, at) }
      : {}),
    updatedAt: at,
  };
}

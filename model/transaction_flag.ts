/**
 * Something an operator should know about a transaction: who closed it by hand, that it outlived a reboot, or
 * that its start named a reservation its id tag does not hold (the reservation stayed active), or that its
 * meter readings cannot be a real meter's (`implausibleEnergy`: its energy is left out of every total).
 */

export const TRANSACTION_FLAG_KINDS = [
  "closed_by_operator",
  "open_after_reboot",
  "reservation_not_held",
  "implausible_energy",
] as const;

export type TransactionFlagKind = typeof TRANSACTION_FLAG_KINDS[number];

export interface TransactionFlag {
  transactionId: number;
  kind: TransactionFlagKind;
  chargePointId: string;
  connectorId: number;
  at: string;
  /**
   * closed_by_operator: who, why, the meter value and time given; open_after_reboot: the boot and status;
   * reservation_not_held: the reservation named and whom it is for; implausible_energy: the reason, the
   * readings and, past the power bound, the most the session could have delivered (`maxWh`).
   */
  details: Record<string, unknown>;
}

/** Which flag: one per transaction and kind (a newer one of the same key replaces it). */
export type TransactionFlagKey = Pick<TransactionFlag, "transactionId" | "kind" | "chargePointId">;

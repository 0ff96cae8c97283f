/** Something an operator should know about a transaction: who closed it by hand, or that it outlived a reboot. */

export type TransactionFlagKind = "closed_by_operator" | "open_after_reboot";

export interface TransactionFlag {
  transactionId: number;
  kind: TransactionFlagKind;
  chargePointId: string;
  connectorId: number;
  at: string;
  /** closed_by_operator: who, why, the meter value and time given; open_after_reboot: the boot and status. */
  details: Record<string, unknown>;
}

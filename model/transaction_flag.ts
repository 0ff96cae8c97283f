/** Something an operator should know about a transaction: who closed it by hand, or that it outlived a reboot. */

export const TRANSACTION_FLAG_KINDS = ["closed_by_operator", "open_after_reboot"] as const;

export type TransactionFlagKind = typeof TRANSACTION_FLAG_KINDS[number];

export interface TransactionFlag {
  transactionId: number;
  kind: TransactionFlagKind;
  chargePointId: string;
  connectorId: number;
  at: string;
  /** closed_by_operator: who, why, the meter value and time given; open_after_reboot: the boot and status. */
  details: Record<string, unknown>;
}

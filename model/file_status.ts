/**
 * The progress stations report about file transfers, kept as history (every notification with its time, not
 * only the latest): DiagnosticsStatusNotification (OCPP 1.6 §4.4), FirmwareStatusNotification (§4.5), and the
 * Security extension's LogStatusNotification and SignedFirmwareStatusNotification (OCPP 1.6 Security
 * Whitepaper ed. 3 §5.13, §5.19), which carry the requestId of the GetLog / SignedUpdateFirmware they report on.
 */

export const FILE_TRANSFER_KINDS = ["diagnostics", "firmware", "log", "signedFirmware"] as const;

export type FileTransferKind = typeof FILE_TRANSFER_KINDS[number];

export interface FileStatusEntry {
  chargePointId: string;
  kind: FileTransferKind;
  /** As reported (`Uploading`, `Downloaded`, `SignatureVerified`, ...). */
  status: string;
  /** GetLog / SignedUpdateFirmware requestId, when the station gave one. */
  requestId: number | null;
  receivedAt: string;
}

/**
 * The firmware statuses that say an update failed (OCPP 1.6 §4.5 FirmwareStatusNotification, the Security
 * extension's SignedFirmwareStatusNotification, 2.0.1's): its download, signature, verification or
 * installation. Shared by the campaigns, the overview's attention and the station page.
 *
 * @example
 * ```ts
 * isFirmwareFailure("InstallationFailed"); // true
 * isFirmwareFailure("Downloading"); // false
 * ```
 */
const FAILED: ReadonlySet<string> = new Set([
  "DownloadFailed",
  "InstallationFailed",
  "InvalidSignature",
  "InstallVerificationFailed",
]);

/** A firmware status that says the update failed (its download, signature, verification or installation). */
export function isFirmwareFailure(status: string): boolean {
  return FAILED.has(status);
}

/**
 * How a firmware campaign reads a station's FirmwareStatusNotification (OCPP 1.6 §4.5, and the Security
 * extension's SignedFirmwareStatusNotification statuses): Installed ends it well, a failure ends it badly,
 * anything else is progress.
 *
 * @example
 * ```ts
 * campaignResultOf("Downloading"); // null
 * campaignResultOf("Installed"); // "installed"
 * campaignResultOf("InvalidSignature"); // "failed"
 * ```
 */
import type { CampaignResult } from "../store/fleet.ts";

const FAILED: ReadonlySet<string> = new Set([
  "DownloadFailed",
  "InstallationFailed",
  "InvalidSignature",
  "InstallVerificationFailed",
]);

/** The campaign's end for this status, or null while it is still under way. */
export function campaignResultOf(status: string): Exclude<CampaignResult, "timed_out"> | null {
  if (status === "Installed") return "installed";
  return FAILED.has(status) ? "failed" : null;
}

/** The actions whose accepted answer starts a campaign (it then follows the status notifications). */
export const CAMPAIGN_ACTIONS: ReadonlySet<string> = new Set(["UpdateFirmware", "SignedUpdateFirmware"]);

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
 * isAboutOtherRequest(campaignRequestId(job, "CP-1"), 17); // true unless that is the campaign's own request
 * ```
 */
import { isFirmwareFailure } from "../model/firmware_failure.ts";
import type { CampaignResult, JobRecord } from "../store/fleet.ts";

export { isFirmwareFailure };

/** The campaign's end for this status, or null while it is still under way. */
export function campaignResultOf(status: string): Exclude<CampaignResult, "timed_out"> | null {
  if (status === "Installed") return "installed";
  return isFirmwareFailure(status) ? "failed" : null;
}

/** The actions whose accepted answer starts a campaign (it then follows the status notifications). */
export const CAMPAIGN_ACTIONS: ReadonlySet<string> = new Set(["UpdateFirmware", "SignedUpdateFirmware"]);

/**
 * The requestId a campaign's command carries to this station, or null when it carries none (1.6
 * UpdateFirmware). SignedUpdateFirmware: the operator's, in the payload. UpdateFirmware to a 2.0.1 station:
 * derived from the job and the station, so the status notifications can be matched to it again (by any process)
 * without storing it.
 */
export function campaignRequestId(job: Pick<JobRecord, "id" | "action" | "payload">, chargePointId: string) {
  if (job.action === "SignedUpdateFirmware") {
    const requestId = (job.payload as { requestId?: unknown }).requestId;
    return typeof requestId === "number" ? requestId : null;
  }
  return job.action === "UpdateFirmware" ? derivedRequestId(`${job.id}\u0000${chargePointId}`) : null;
}

/**
 * Whether a status notification belongs to another firmware update than the campaign's (an earlier one the
 * station still reports, or one an operator started by hand): both name a requestId and they differ. A
 * notification without one (OCPP 1.6 FirmwareStatusNotification) is the station's current update.
 */
export function isAboutOtherRequest(expected: number | null, reported: number | null): boolean {
  return expected !== null && reported !== null && expected !== reported;
}

/** FNV-1a over the UTF-16 code units, folded to a non-negative 31-bit integer (an OCPP requestId). */
function derivedRequestId(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 1) & 0x7fffffff;
}

import { assertEquals } from "@std/assert";
import { campaignRequestId, campaignResultOf, isAboutOtherRequest } from "./firmware_campaign.ts";

Deno.test("campaignResultOf() ends a campaign on Installed or a failure, never on progress", () => {
  const progress = [
    "Idle",
    "Downloading",
    "Downloaded",
    "Installing",
    "DownloadScheduled",
    "SignatureVerified",
  ];
  assertEquals(progress.map(campaignResultOf), progress.map(() => null));
  assertEquals(campaignResultOf("Installed"), "installed");
  for (
    const failed of ["DownloadFailed", "InstallationFailed", "InvalidSignature", "InstallVerificationFailed"]
  ) {
    assertEquals(campaignResultOf(failed), "failed", failed);
  }
});

Deno.test("campaignRequestId(): the operator's for SignedUpdateFirmware, one per job and station for UpdateFirmware", () => {
  const signed = { id: "job-1", action: "SignedUpdateFirmware", payload: { requestId: 42 } };
  assertEquals(campaignRequestId(signed, "CP-1"), 42);
  const update = { id: "job-1", action: "UpdateFirmware", payload: {} };
  const first = campaignRequestId(update, "CP-1")!;
  assertEquals(Number.isInteger(first) && first >= 0 && first <= 0x7fffffff, true, String(first));
  // The same again (another process matching the statuses), another for another station or job.
  assertEquals(campaignRequestId(update, "CP-1"), first);
  assertEquals(campaignRequestId(update, "CP-2") === first, false);
  assertEquals(campaignRequestId({ ...update, id: "job-2" }, "CP-1") === first, false);
  assertEquals(campaignRequestId({ id: "job-1", action: "Reset", payload: {} }, "CP-1"), null);
});

Deno.test("isAboutOtherRequest(): only when both name a requestId and they differ", () => {
  assertEquals(isAboutOtherRequest(7, 8), true);
  assertEquals(isAboutOtherRequest(7, 7), false);
  assertEquals(isAboutOtherRequest(7, null), false);
  assertEquals(isAboutOtherRequest(null, 8), false);
});

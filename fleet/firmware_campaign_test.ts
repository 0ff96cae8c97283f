import { assertEquals } from "@std/assert";
import { campaignResultOf } from "./firmware_campaign.ts";

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

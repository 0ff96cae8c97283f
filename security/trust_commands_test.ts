import { assertEquals } from "@std/assert";
import { SAMPLE_CERTIFICATE } from "../tests/helpers/sample_certificate.ts";
import { certificatePayloadProblem } from "../pki/certificate_text.ts";
import { changesStationTrust } from "./trust_commands.ts";

Deno.test("changesStationTrust(): certificates, network profiles and security settings, whatever their case", () => {
  for (
    const action of ["InstallCertificate", "DeleteCertificate", "CertificateSigned", "SetNetworkProfile"]
  ) {
    assertEquals(changesStationTrust(action, {}), true, action);
  }
  for (const key of ["SecurityProfile", "securityprofile", "CpoName", "AdditionalRootCertificateCheck"]) {
    assertEquals(changesStationTrust("ChangeConfiguration", { key, value: "0" }), true, key);
  }
  const setVariable = (component: string) => ({
    setVariableData: [{
      component: { name: component },
      variable: { name: "SecurityProfile" },
      attributeValue: "0",
    }],
  });
  assertEquals(changesStationTrust("SetVariables", setVariable("securityCTRLR")), true);
  assertEquals(changesStationTrust("SetVariables", setVariable("OCPPCommCtrlr")), false);
  const priority = {
    setVariableData: [{
      component: { name: "OCPPCommCtrlr" },
      variable: { name: "networkConfigurationPriority" },
      attributeValue: "1",
    }],
  };
  assertEquals(changesStationTrust("SetVariables", priority), true);
  assertEquals(changesStationTrust("ChangeConfiguration", { key: "HeartbeatInterval", value: "60" }), false);
  assertEquals(changesStationTrust("GetInstalledCertificateIds", {}), false);
  assertEquals(changesStationTrust("Reset", { type: "Soft" }), false);
});

Deno.test("certificatePayloadProblem(): one PEM certificate to install, one or more in a chain, nothing else", () => {
  assertEquals(certificatePayloadProblem("InstallCertificate", { certificate: SAMPLE_CERTIFICATE }), null);
  assertEquals(
    certificatePayloadProblem("CertificateSigned", {
      certificateChain: SAMPLE_CERTIFICATE + SAMPLE_CERTIFICATE,
    }),
    null,
  );
  assertEquals(
    certificatePayloadProblem("InstallCertificate", { certificate: SAMPLE_CERTIFICATE + SAMPLE_CERTIFICATE })
      ?.field,
    "certificate",
  );
  assertEquals(
    certificatePayloadProblem("InstallCertificate", { certificate: "not a pem" })?.field,
    "certificate",
  );
  const fake = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUfake\n-----END CERTIFICATE-----\n";
  assertEquals(
    certificatePayloadProblem("CertificateSigned", { certificateChain: fake })?.field,
    "certificateChain",
  );
  const key =
    "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
  assertEquals(
    certificatePayloadProblem("CertificateSigned", { certificateChain: key })?.field,
    "certificateChain",
  );
  assertEquals(certificatePayloadProblem("Reset", { type: "Soft" }), null);
});

Deno.test("certificatePayloadProblem(): text outside the PEM blocks, or a payload that is no object, is a problem", () => {
  const install = (certificate: unknown) => certificatePayloadProblem("InstallCertificate", { certificate });
  assertEquals(install(`\n\n${SAMPLE_CERTIFICATE}\n`), null);
  assertEquals(install(`${SAMPLE_CERTIFICATE}garbage`)?.field, "certificate");
  assertEquals(install(`subject=CN = Sample Root\n${SAMPLE_CERTIFICATE}`)?.field, "certificate");
  assertEquals(
    certificatePayloadProblem("CertificateSigned", {
      certificateChain: `${SAMPLE_CERTIFICATE}--\n${SAMPLE_CERTIFICATE}`,
    })
      ?.field,
    "certificateChain",
  );
  assertEquals(certificatePayloadProblem("CertificateSigned", null)?.field, "certificateChain");
  assertEquals(certificatePayloadProblem("InstallCertificate", "a string")?.field, "certificate");
});

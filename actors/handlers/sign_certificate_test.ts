import { assertEquals } from "@std/assert";
import { context, station } from "./fakes.ts";
import type { CsrChecker } from "./handler.ts";
import { signCertificate } from "./sign_certificate.ts";

/** A checker that accepts only `good` for CP-1 and says what it was asked. */
function checker(asked: unknown[]): CsrChecker {
  return {
    check(csr, expect) {
      asked.push({ csr, ...expect });
      return Promise.resolve(
        csr === "good" && expect.chargePointId === "CP-1"
          ? { ok: true }
          : { ok: false, reason: `CSR subject CN "CP-9" is not the charge point id "CP-1"` },
      );
    },
  };
}

Deno.test("signCertificate() accepts a CSR that passes the checks and signs it after the answer", async () => {
  const asked: unknown[] = [];
  const details = () =>
    Promise.resolve({ configuration: [{ key: "CpoName", readonly: false, value: "Acme" }] });
  const result = await signCertificate(station(), { csr: "good" }, context({ csr: checker(asked), details }));
  assertEquals(result.response, { status: "Accepted" });
  assertEquals(asked, [{ csr: "good", chargePointId: "CP-1", cpoName: "Acme" }]);
  assertEquals(result.followUps, [{ type: "signCertificate", csr: "good", cpoName: "Acme" }]);
  assertEquals(result.securityEvents, undefined);
});

Deno.test("signCertificate() rejects a bad CSR with a csr_rejected security event and signs nothing", async () => {
  const result = await signCertificate(station(), { csr: "bad" }, context({ csr: checker([]) }));
  assertEquals(result.response, { status: "Rejected" });
  assertEquals(result.followUps, undefined);
  assertEquals(result.securityEvents, [{
    kind: "csr_rejected",
    reason: 'SignCertificate refused: CSR subject CN "CP-9" is not the charge point id "CP-1"',
  }]);
});

Deno.test("signCertificate() without a certificate authority rejects, and an empty CpoName is not checked", async () => {
  const result = await signCertificate(station(), { csr: "good" }, context());
  assertEquals(result.response, { status: "Rejected" });
  const asked: unknown[] = [];
  const details = () => Promise.resolve({ configuration: [{ key: "CpoName", readonly: false, value: "" }] });
  await signCertificate(station(), { csr: "good" }, context({ csr: checker(asked), details }));
  assertEquals(asked, [{ csr: "good", chargePointId: "CP-1", cpoName: null }]);
});

import { assertEquals, assertStringIncludes } from "@std/assert";
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
  const result = await signCertificate(
    station(),
    { csr: "good" },
    context({ csr: checker(asked), details, securityProfile: 1 }),
  );
  assertEquals(result.response, { status: "Accepted" });
  assertEquals(asked, [{ csr: "good", chargePointId: "CP-1", cpoName: "Acme" }]);
  assertEquals(result.followUps, [{ type: "signCertificate", csr: "good", cpoName: "Acme" }]);
  assertEquals(result.securityEvents, undefined);
});

Deno.test("signCertificate() rejects a bad CSR with a csr_rejected security event and signs nothing", async () => {
  const result = await signCertificate(
    station(),
    { csr: "bad" },
    context({ csr: checker([]), securityProfile: 2 }),
  );
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
  await signCertificate(
    station(),
    { csr: "good" },
    context({ csr: checker(asked), details, securityProfile: 3 }),
  );
  assertEquals(asked, [{ csr: "good", chargePointId: "CP-1", cpoName: null }]);
});

Deno.test("signCertificate() rejects a connection that did not authenticate (profile 0), before checking the CSR", async () => {
  const asked: unknown[] = [];
  const result = await signCertificate(
    station(),
    { csr: "good" },
    context({ csr: checker(asked), securityProfile: 0 }),
  );
  assertEquals(result.response, { status: "Rejected" });
  assertEquals(asked, []);
  assertEquals(result.followUps, undefined);
  assertEquals(result.securityEvents?.map((e) => e.kind), ["csr_rejected"]);
  assertStringIncludes(result.securityEvents?.[0]?.reason ?? "", "not authenticated (security profile 0");
  for (const securityProfile of [1, 2, 3] as const) {
    const allowed = await signCertificate(
      station(),
      { csr: "good" },
      context({ csr: checker([]), securityProfile }),
    );
    assertEquals(allowed.response, { status: "Accepted" }, `profile ${securityProfile}`);
  }
});

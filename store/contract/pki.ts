/**
 * The PkiStore contract, run against every implementation by `security_extension_test.ts`.
 */
import { assertEquals } from "@std/assert";
import type { IssuedCertificate, StoredCa } from "../../model/certificates.ts";
import type { PkiStore } from "../pki_store.ts";
import type { ContractTest } from "./kit.ts";

const CA: StoredCa = {
  certificatePem: "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n",
  privateKeyPem: "-----BEGIN PRIVATE KEY-----\nB\n-----END PRIVATE KEY-----\n",
  createdAt: "2024-05-01T10:00:00.000Z",
};

let serial = 0x10;

function cert(
  cp: string,
  issuedAt: string,
  notAfter: string,
  o: Partial<IssuedCertificate> = {},
): IssuedCertificate {
  return {
    serialNumber: (serial++).toString(16).padStart(32, "0"),
    chargePointId: cp,
    subject: `CN=${cp}, O=Acme`,
    key: "EC P-256",
    notBefore: issuedAt,
    notAfter,
    fingerprintSha256: "ab".repeat(32),
    certificatePem: `PEM of ${cp} at ${issuedAt}`,
    issuedAt,
    renewalRequestedAt: null,
    ...o,
  };
}

export function pkiContract(test: ContractTest<PkiStore>): void {
  test("getCa() is null until putCaIfAbsent() stores one, which then wins over any later one", async (store) => {
    assertEquals(await store.getCa(), null);
    assertEquals(await store.putCaIfAbsent(CA), CA);
    const other = { ...CA, certificatePem: "other", createdAt: "2024-05-02T10:00:00.000Z" };
    assertEquals(await store.putCaIfAbsent(other), CA);
    assertEquals(await store.getCa(), CA);
  });

  test("putCaIfAbsent() from many callers at once agrees on one CA", async (store) => {
    const candidates = Array.from({ length: 8 }, (_, i) => ({ ...CA, certificatePem: `CA ${i}` }));
    const results = await Promise.all(candidates.map((c) => store.putCaIfAbsent(c)));
    const stored = await store.getCa();
    for (const r of results) assertEquals(r, stored);
  });

  test("issued certificates round-trip and list newest first, per station", async (store) => {
    const a1 = cert("CP-1", "2024-05-01T10:00:00.000Z", "2025-05-01T10:00:00.000Z");
    const b1 = cert("CP-2", "2024-05-02T10:00:00.000Z", "2025-05-02T10:00:00.000Z");
    const a2 = cert("CP-1", "2024-05-03T10:00:00.000Z", "2025-05-03T10:00:00.000Z", {
      renewalRequestedAt: "2024-05-03T11:00:00.000Z",
    });
    for (const c of [a1, b1, a2]) await store.addIssuedCertificate(c);
    assertEquals(await store.getIssuedCertificate(a2.serialNumber), a2);
    assertEquals(await store.getIssuedCertificate("ff"), null);
    assertEquals(await store.listIssuedCertificates({ limit: 10 }), [a2, b1, a1]);
    assertEquals(await store.listIssuedCertificates({ limit: 2 }), [a2, b1]);
    assertEquals(await store.listIssuedCertificates({ chargePointId: "CP-1", limit: 10 }), [a2, a1]);
    assertEquals(await store.listIssuedCertificates({ chargePointId: "cp-1", limit: 10 }), []);
  });

  test("listDueForRenewal() sees each station's newest certificate only, soonest expiry first", async (store) => {
    const old = cert("CP-1", "2024-01-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");
    const renewed = cert("CP-1", "2024-05-20T00:00:00.000Z", "2025-05-20T00:00:00.000Z");
    const soon = cert("CP-2", "2024-01-02T00:00:00.000Z", "2024-06-10T00:00:00.000Z");
    const sooner = cert("CP-3", "2024-01-03T00:00:00.000Z", "2024-06-05T00:00:00.000Z");
    const later = cert("CP-4", "2024-01-04T00:00:00.000Z", "2024-12-01T00:00:00.000Z");
    for (const c of [old, renewed, soon, sooner, later]) await store.addIssuedCertificate(c);
    const due = (at: string) =>
      store.listDueForRenewal({ notAfterBefore: at, requestedBefore: "2024-05-25T00:00:00.000Z", limit: 10 });
    assertEquals((await due("2024-07-01T00:00:00.000Z")).map((c) => c.chargePointId), ["CP-3", "CP-2"]);
    assertEquals((await due("2026-01-01T00:00:00.000Z")).map((c) => c.chargePointId), [
      "CP-3",
      "CP-2",
      "CP-4",
      "CP-1",
    ]);
    const page = await store.listDueForRenewal({
      notAfterBefore: "2026-01-01T00:00:00.000Z",
      requestedBefore: "2024-05-25T00:00:00.000Z",
      limit: 1,
    });
    assertEquals(page.map((c) => c.chargePointId), ["CP-3"]);
  });

  test("markRenewalRequested() hides a certificate from the scan until the request is old enough", async (store) => {
    const c = cert("CP-1", "2024-01-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");
    await store.addIssuedCertificate(c);
    await store.markRenewalRequested(c.serialNumber, "2024-05-10T00:00:00.000Z");
    assertEquals(
      (await store.getIssuedCertificate(c.serialNumber))?.renewalRequestedAt,
      "2024-05-10T00:00:00.000Z",
    );
    const due = (requestedBefore: string) =>
      store.listDueForRenewal({ notAfterBefore: "2024-07-01T00:00:00.000Z", requestedBefore, limit: 10 });
    assertEquals(await due("2024-05-10T00:00:00.000Z"), []);
    assertEquals((await due("2024-05-11T00:00:00.000Z")).map((x) => x.serialNumber), [c.serialNumber]);
    await store.markRenewalRequested("00", "2024-05-10T00:00:00.000Z"); // unknown: no error
  });
}

/**
 * KV certificates written before deliveries were recorded (no `delivery` in the record, the station's pointer
 * set when it was signed): they read as `unknown`, the one the pointer names stays current and is renewed, and
 * a certificate signed afterwards takes its place only once accepted.
 */
import { assertEquals } from "@std/assert";
import { openKvHandle } from "./handle.ts";
import { KvPkiStore } from "./pki.ts";

Deno.test("a certificate stored before deliveries were recorded reads as unknown and stays current", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const legacy = {
      serialNumber: "0a",
      chargePointId: "CP-1",
      subject: "CN=CP-1",
      key: "EC P-256",
      notBefore: "2024-01-01T00:00:00.000Z",
      notAfter: "2024-06-01T00:00:00.000Z",
      fingerprintSha256: "ab".repeat(32),
      certificatePem: "PEM",
      issuedAt: "2024-01-01T00:00:00.000Z",
      renewalRequestedAt: null,
    };
    // As the store wrote it until then.
    await kv.atomic()
      .set(["pki_cert", "0a"], legacy)
      .set(["pki_cert_by_time", legacy.issuedAt, "0a"], true)
      .set(["pki_cert_by_cp", "CP-1", legacy.issuedAt, "0a"], true)
      .set(["pki_current", "CP-1"], "0a")
      .set(["pki_current_by_expiry", legacy.notAfter, "0a"], "CP-1")
      .commit();
    const store = new KvPkiStore(kv);
    const unknown = {
      ...legacy,
      delivery: "unknown",
      deliveredAt: null,
      deliveryDetail: null,
      current: true,
      renewalUnanswered: 0,
      renewalRetryAt: null,
      redeliveredAt: null,
    };
    assertEquals(await store.getIssuedCertificate("0a"), unknown);
    const due = () =>
      store.listDueForRenewal({
        notAfterBefore: "2025-01-01T00:00:00.000Z",
        requestedBefore: "2024-05-01T00:00:00.000Z",
        now: "2024-05-01T00:00:00.000Z",
        limit: 10,
      });
    assertEquals(await due(), [unknown]);

    const renewed = { ...legacy, serialNumber: "0b", issuedAt: "2024-05-01T00:00:00.000Z" };
    await store.addIssuedCertificate(renewed);
    assertEquals((await due()).map((c) => c.serialNumber), ["0a"], "pending: not yet the station's");
    const outcome = { delivery: "accepted" as const, detail: null };
    await store.recordDelivery("0b", outcome, "2024-05-01T00:00:01.000Z");
    assertEquals((await due()).map((c) => c.serialNumber), ["0b"]);
    assertEquals((await store.getIssuedCertificate("0a"))?.current, false);
  } finally {
    kv.close();
  }
});

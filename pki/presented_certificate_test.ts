import { assert, assertEquals } from "@std/assert";
import type { PkiStore } from "../store/pki_store.ts";
import { openKvHandle } from "../store/kv/handle.ts";
import { KvPkiStore } from "../store/kv/pki.ts";
import { makeCsr } from "../tests/helpers/openssl.ts";
import { GENERATED_CA_KEY } from "./keys.ts";
import { PRESENTED_DETAIL, PresentedCertificates } from "./presented_certificate.ts";
import { StationPki } from "./station_pki.ts";
import { x509 } from "./x509.ts";

/** A PKI on KV in memory, its store wrapped so a test can make it fail, and what was logged and raised. */
async function setup() {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  const store = new KvPkiStore(kv);
  const broken = { down: false };
  const failing = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        broken.down ? Promise.reject(new Error("database down")) : value.apply(target, args);
    },
  }) as PkiStore;
  const pki = await StationPki.open({ store: failing, now: () => new Date() });
  const events: string[] = [];
  const presented = new PresentedCertificates({
    pki,
    securityEvent: (e) => events.push(`${e.kind} ${e.chargePointId}: ${e.reason}`),
    log: () => {},
  });
  /** A certificate signed for `id`, pending delivery; its PEM as the station presents it. */
  const issue = async (id: string) => {
    const signed = await pki.signCertificate(id, (await makeCsr(dir, `/CN=${id}`)).csr);
    assert(signed.ok);
    return signed.certificate;
  };
  return {
    pki,
    presented,
    events,
    broken,
    issue,
    async [Symbol.asyncDispose]() {
      kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a pending certificate presented by its station is recorded accepted and current, with the acceptance's security event", async () => {
  await using s = await setup();
  const certificate = await s.issue("CP-1");
  assertEquals(await s.presented.record("CP-1", certificate.certificatePem), "recorded");
  const current = await s.pki.currentCertificate("CP-1");
  assertEquals(current?.serialNumber, certificate.serialNumber);
  assertEquals([current?.delivery, current?.deliveryDetail], ["accepted", PRESENTED_DETAIL]);
  assertEquals(s.events.length, 1);
  assert(
    s.events[0]!.startsWith(`certificate_installed CP-1: Certificate ${certificate.serialNumber} installed`),
  );
  // Its next connection changes nothing more.
  assertEquals(await s.presented.record("CP-1", certificate.certificatePem), "known");
  assertEquals(s.events.length, 1);
});

Deno.test("an undelivered certificate (the sweep settled it) presented by its station becomes its current one", async () => {
  await using s = await setup();
  const older = await s.issue("CP-1");
  await s.pki.recordDelivery(older.serialNumber, { delivery: "accepted", detail: null });
  const lost = await s.issue("CP-1");
  await s.pki.recordDelivery(lost.serialNumber, { delivery: "undelivered", detail: "no outcome recorded" });
  assertEquals((await s.pki.currentCertificate("CP-1"))?.serialNumber, older.serialNumber);
  assertEquals(await s.presented.record("CP-1", lost.certificatePem), "recorded");
  assertEquals((await s.pki.currentCertificate("CP-1"))?.serialNumber, lost.serialNumber);
});

Deno.test("attack: a certificate we issued to another station changes nothing", async () => {
  await using s = await setup();
  const mine = await s.issue("CP-1");
  const theirs = await s.issue("CP-2");
  assertEquals(await s.presented.record("CP-1", theirs.certificatePem), "not_ours");
  assertEquals((await s.pki.issuedCertificate(theirs.serialNumber))?.delivery, "pending");
  assertEquals((await s.pki.issuedCertificate(mine.serialNumber))?.delivery, "pending");
  assertEquals(await s.pki.currentCertificate("CP-1"), null);
  assertEquals(s.events, []);
});

Deno.test("attack: another CA's certificate with the station's CN and the serial of its pending one changes nothing", async () => {
  await using s = await setup();
  const pending = await s.issue("CP-1");
  const keys = await crypto.subtle.generateKey(GENERATED_CA_KEY, true, ["sign", "verify"]);
  const forged = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: pending.serialNumber,
    name: "CN=CP-1",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: GENERATED_CA_KEY,
    keys,
  });
  assertEquals(forged.serialNumber.toLowerCase(), pending.serialNumber);
  assertEquals(await s.presented.record("CP-1", forged.toString("pem")), "not_ours");
  assertEquals((await s.pki.issuedCertificate(pending.serialNumber))?.delivery, "pending");
  assertEquals(s.events, []);
});

Deno.test("a certificate the station answered Rejected stays rejected, and an unreadable one changes nothing", async () => {
  await using s = await setup();
  const refused = await s.issue("CP-1");
  await s.pki.recordDelivery(refused.serialNumber, { delivery: "rejected", detail: "Rejected" });
  assertEquals(await s.presented.record("CP-1", refused.certificatePem), "known");
  assertEquals((await s.pki.issuedCertificate(refused.serialNumber))?.delivery, "rejected");
  assertEquals(
    await s.presented.record("CP-1", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
    "unreadable",
  );
  assertEquals(s.events, []);
});

Deno.test("a store that fails leaves the certificate pending for the next connection, without throwing", async () => {
  await using s = await setup();
  const certificate = await s.issue("CP-1");
  s.broken.down = true;
  assertEquals(await s.presented.record("CP-1", certificate.certificatePem), "failed");
  s.broken.down = false;
  assertEquals((await s.pki.issuedCertificate(certificate.serialNumber))?.delivery, "pending");
  assertEquals(await s.presented.record("CP-1", certificate.certificatePem), "recorded");
});

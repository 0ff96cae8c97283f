import { assert, assertEquals } from "@std/assert";
import type { DeliveryOutcome } from "../model/certificates.ts";
import { openKvHandle } from "../store/kv/handle.ts";
import { KvPkiStore } from "../store/kv/pki.ts";
import { makeCsr } from "../tests/helpers/openssl.ts";
import { Enrolment } from "./enrolment.ts";
import { StationPki } from "./station_pki.ts";
import { x509 } from "./x509.ts";

Deno.test("Enrolment signs, sends and records the delivery; only an accepted certificate becomes current", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  try {
    const pki = await StationPki.open({ store: new KvPkiStore(kv), now: () => new Date() });
    const sent: [string, string][] = [];
    const events: string[] = [];
    let answer: DeliveryOutcome = { delivery: "accepted", detail: null };
    const enrolment = new Enrolment({
      pki,
      sendCertificate: (id, chain) => {
        sent.push([id, chain]);
        return Promise.resolve(answer);
      },
      securityEvent: (e) => events.push(`${e.kind} ${e.chargePointId}`),
      log: () => {},
    });
    const { csr } = await makeCsr(dir, "/O=Acme/CN=CP-E");
    const ok = await enrolment.complete("CP-E", csr, "Acme");
    assert(ok.status === "delivered");
    assertEquals(sent.length, 1);
    assertEquals(new x509.X509Certificate(sent[0]![1]).subject, "O=Acme, CN=CP-E");
    assertEquals(events, ["certificate_issued CP-E", "certificate_installed CP-E"]);
    const installed = await pki.listCertificates({ chargePointId: "CP-E", limit: 10 });
    assertEquals(installed.map((c) => [c.serialNumber, c.delivery, c.current]), [[
      ok.serialNumber,
      "accepted",
      true,
    ]]);

    const refused = await enrolment.complete("CP-E", csr, "Other");
    assert(refused.status === "refused");
    assertEquals(sent.length, 1);
    assertEquals(events.at(-1), "csr_rejected CP-E");

    answer = { delivery: "rejected", detail: 'The station answered "Rejected"' };
    const rejected = await enrolment.complete("CP-E", csr, null);
    answer = { delivery: "undelivered", detail: "Cannot send: not connected" };
    const undelivered = await enrolment.complete("CP-E", csr, null);
    assert(rejected.status === "delivered" && undelivered.status === "delivered");
    assertEquals(events.slice(-4), [
      "certificate_issued CP-E",
      "certificate_signed_rejected CP-E",
      "certificate_issued CP-E",
      "certificate_signed_undelivered CP-E",
    ]);
    const all = await pki.listCertificates({ chargePointId: "CP-E", limit: 10 });
    assertEquals(all.map((c) => [c.serialNumber, c.delivery, c.current]), [
      [undelivered.serialNumber, "undelivered", false],
      [rejected.serialNumber, "rejected", false],
      [ok.serialNumber, "accepted", true],
    ]);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Enrolment leaves a certificate pending when the store cannot record its delivery, and says so", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  try {
    const store = new KvPkiStore(kv);
    const pki = await StationPki.open({ store, now: () => new Date() });
    store.recordDelivery = () => Promise.reject(new Error("store down"));
    const lines: [string, string][] = [];
    const events: string[] = [];
    const enrolment = new Enrolment({
      pki,
      sendCertificate: () => Promise.resolve({ delivery: "accepted", detail: null }),
      securityEvent: (e) => events.push(e.kind),
      log: (level, msg) => lines.push([level, msg]),
    });
    const { csr } = await makeCsr(dir, "/CN=CP-F");
    const done = await enrolment.complete("CP-F", csr, null);
    assert(done.status === "delivered");
    assertEquals(events, ["certificate_issued", "certificate_installed"]);
    assertEquals(lines, [["error", "certificate delivery not recorded: it stays pending"]]);
    const [stored] = await pki.listCertificates({ chargePointId: "CP-F", limit: 1 });
    assertEquals([stored?.delivery, stored?.current], ["pending", false]);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

import { assertEquals } from "@std/assert";
import type { DeliveryOutcome } from "../model/certificates.ts";
import { openKvHandle } from "../store/kv/handle.ts";
import { KvPkiStore } from "../store/kv/pki.ts";
import { makeCsr } from "../tests/helpers/openssl.ts";
import { CertificateRedelivery } from "./redelivery.ts";
import { StationPki } from "./station_pki.ts";

const DAY_MS = 24 * 3600_000;

/** A PKI on KV in memory with a clock, and a redelivery whose sendings are recorded and answered `answer`. */
async function setup(answer: DeliveryOutcome = { delivery: "accepted", detail: null }) {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  const clock = { now: new Date("2024-05-01T00:00:00Z") };
  const store = new KvPkiStore(kv);
  const pki = await StationPki.open({
    store,
    now: () => clock.now,
    settings: { certificateValidityDays: 10 },
  });
  const sent: [string, string][] = [];
  const redelivery = new CertificateRedelivery({
    pki,
    redeliver: async (id, serial) => {
      sent.push([id, serial]);
      await pki.recordDelivery(serial, answer);
      return answer;
    },
    log: () => {},
  });
  const sign = async (id: string, delivery: DeliveryOutcome["delivery"]) => {
    clock.now = new Date(clock.now.getTime() + 60_000);
    const signed = await pki.signCertificate(id, (await makeCsr(dir, `/CN=${id}`)).csr);
    if (!signed.ok) throw new Error(signed.reason);
    await pki.recordDelivery(signed.certificate.serialNumber, { delivery, detail: null });
    return signed.certificate.serialNumber;
  };
  return {
    pki,
    clock,
    sent,
    redelivery,
    sign,
    async [Symbol.asyncDispose]() {
      kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("CertificateRedelivery sends the newest undelivered certificate once, and nothing else", async () => {
  await using s = await setup();
  const lost = await s.sign("CP-LOST", "undelivered");
  assertEquals((await s.redelivery.atBoot("CP-LOST")).status, "sent");
  assertEquals(s.sent, [["CP-LOST", lost]]);
  assertEquals((await s.pki.currentCertificate("CP-LOST"))?.serialNumber, lost);
  assertEquals((await s.redelivery.atBoot("CP-LOST")).status, "none", "delivered now");

  await s.sign("CP-NO", "rejected");
  assertEquals((await s.redelivery.atBoot("CP-NO")).status, "none", "the station said no");
  assertEquals((await s.redelivery.atBoot("CP-NONE")).status, "none");

  // An older undelivered one is not what the station waits for once a newer one was issued.
  await s.sign("CP-NEWER", "undelivered");
  await s.sign("CP-NEWER", "rejected");
  assertEquals((await s.redelivery.atBoot("CP-NEWER")).status, "none");
  assertEquals(s.sent.length, 1);
});

Deno.test("CertificateRedelivery does not send an expired certificate, nor one a second time after no answer", async () => {
  await using s = await setup({ delivery: "undelivered", detail: "no answer again" });
  await s.sign("CP-OLD", "undelivered");
  const mute = await s.sign("CP-MUTE", "undelivered");
  assertEquals((await s.redelivery.atBoot("CP-MUTE")).status, "sent");
  assertEquals((await s.redelivery.atBoot("CP-MUTE")).status, "none", "once");
  assertEquals((await s.pki.issuedCertificate(mute))?.delivery, "undelivered");
  s.clock.now = new Date(s.clock.now.getTime() + 11 * DAY_MS);
  assertEquals((await s.redelivery.atBoot("CP-OLD")).status, "expired");
  assertEquals(s.sent.map(([id]) => id), ["CP-MUTE"]);
});

Deno.test("CertificateRedelivery: of two boots at once, one sends", async () => {
  await using s = await setup();
  await s.sign("CP-TWICE", "undelivered");
  const outcomes = await Promise.all([s.redelivery.atBoot("CP-TWICE"), s.redelivery.atBoot("CP-TWICE")]);
  assertEquals(outcomes.map((o) => o.status).sort(), ["claimed", "sent"]);
  assertEquals(s.sent.length, 1);
});

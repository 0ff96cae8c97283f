import { assert, assertEquals } from "@std/assert";
import { openKvHandle } from "../store/kv/handle.ts";
import { KvPkiStore } from "../store/kv/pki.ts";
import { makeCsr } from "../tests/helpers/openssl.ts";
import { CertificateRenewal, type TriggerOutcome } from "./renewal.ts";
import { StationPki } from "./station_pki.ts";

const DAY_MS = 24 * 3600_000;

Deno.test("CertificateRenewal asks connected stations near expiry once per retry period", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  try {
    const clock = { now: new Date("2024-05-01T00:00:00Z") };
    const pki = await StationPki.open({
      store: new KvPkiStore(kv),
      now: () => clock.now,
      settings: { certificateValidityDays: 10, renewBeforeDays: 3 },
    });
    for (const id of ["CP-ON", "CP-OFF", "CP-NO"]) {
      const signed = await pki.signCertificate(id, (await makeCsr(dir, `/CN=${id}`)).csr);
      assert(signed.ok);
      await pki.recordDelivery(signed.certificate.serialNumber, { delivery: "accepted", detail: null });
    }
    const asked: string[] = [];
    const outcomes: Record<string, TriggerOutcome> = { "CP-ON": "accepted", "CP-NO": "refused" };
    const renewal = new CertificateRenewal({
      pki,
      isConnected: (id) => id !== "CP-OFF",
      trigger: (c) => {
        asked.push(c.chargePointId);
        return Promise.resolve(outcomes[c.chargePointId] ?? "offline");
      },
      retryAfterMs: 3600_000,
    });
    assertEquals(await renewal.scan(), 0);
    assertEquals(asked, []);
    clock.now = new Date(clock.now.getTime() + 8 * DAY_MS);
    assertEquals(await renewal.scan(), 1);
    assertEquals(asked.sort(), ["CP-NO", "CP-ON"]);
    assertEquals(await renewal.scan(), 0, "not again within the hour");
    assertEquals(asked.length, 2);
    clock.now = new Date(clock.now.getTime() + 3600_001);
    assertEquals(await renewal.scan(), 1);
    assertEquals(asked.length, 4);
    await renewal.stop();
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CertificateRenewal.stop() asks no further station, and a trigger it cut short counts as not asked", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  try {
    const clock = { now: new Date("2024-05-01T00:00:00Z") };
    const pki = await StationPki.open({
      store: new KvPkiStore(kv),
      now: () => clock.now,
      settings: { certificateValidityDays: 10, renewBeforeDays: 3 },
    });
    for (const id of ["CP-1", "CP-2"]) {
      const signed = await pki.signCertificate(id, (await makeCsr(dir, `/CN=${id}`)).csr);
      assert(signed.ok);
      await pki.recordDelivery(signed.certificate.serialNumber, { delivery: "accepted", detail: null });
    }
    clock.now = new Date(clock.now.getTime() + 8 * DAY_MS);
    const asked: string[] = [];
    const answer = Promise.withResolvers<TriggerOutcome>();
    const renewal = new CertificateRenewal({
      pki,
      isConnected: () => true,
      trigger: (c) => {
        asked.push(c.chargePointId);
        return answer.promise;
      },
      retryAfterMs: 3600_000,
    });
    const scan = renewal.scan();
    while (asked.length === 0) await new Promise((r) => setTimeout(r, 5));
    const stopped = renewal.stop();
    // The station's call ends (its socket closed by the stopping server).
    answer.resolve("refused");
    await stopped;
    assertEquals(await scan, 0);
    assertEquals(asked.length, 1, "no further station asked");
    assertEquals(
      (await pki.dueForRenewal({ limit: 10, retryAfterMs: 3600_000 })).length,
      2,
      "both still due",
    );
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

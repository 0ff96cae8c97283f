import { assertEquals, assertMatch } from "@std/assert";
import type { SignedCertificate } from "../model/certificates.ts";
import { openKvHandle } from "../store/kv/handle.ts";
import { KvPkiStore } from "../store/kv/pki.ts";
import { PendingDeliverySweep, type PendingDeliverySweepSettings } from "./pending_delivery_sweep.ts";
import { StationPki } from "./station_pki.ts";
import { signedCertificate } from "../tests/helpers/issued_certificates.ts";

const T0 = Date.parse("2024-05-01T10:00:00.000Z");

function cert(serialNumber: string, chargePointId: string, issuedAtMs: number): SignedCertificate {
  return signedCertificate(serialNumber, chargePointId, new Date(issuedAtMs).toISOString());
}

type Event = { kind: string; chargePointId: string | null; reason: string };

async function withSweep(
  settings: Partial<PendingDeliverySweepSettings>,
  fn: (ctx: {
    kv: Deno.Kv;
    store: KvPkiStore;
    sweep: PendingDeliverySweep;
    clock: { ms: number };
    events: Event[];
    lease: { held: boolean };
  }) => Promise<void>,
): Promise<void> {
  const kv = await openKvHandle(":memory:");
  try {
    const store = new KvPkiStore(kv);
    const clock = { ms: T0 };
    const pki = await StationPki.open({ store, now: () => new Date(clock.ms) });
    const events: Event[] = [];
    const lease = { held: true };
    const sweep = new PendingDeliverySweep({
      pki,
      lease: () => Promise.resolve(lease.held),
      securityEvent: (e) => events.push(e),
      settings: { settleAfterMs: 600_000, batch: 2, eventsPerRound: 10, pauseMs: 1, ...settings },
    });
    await fn({ kv, store, sweep, clock, events, lease });
  } finally {
    kv.close();
  }
}

Deno.test("the sweep records a certificate undelivered only once it is pending longer than settleAfterMs", async () => {
  await withSweep({}, async ({ store, sweep, clock, events }) => {
    await store.addIssuedCertificate(cert("0a", "CP-1", T0));
    await store.addIssuedCertificate(cert("0b", "CP-2", T0 + 1000));
    clock.ms = T0 + 600_000;
    assertEquals(await sweep.tick(), 0, "exactly settleAfterMs: the node that sent it may still be waiting");
    clock.ms = T0 + 600_001;
    assertEquals(await sweep.tick(), 1);
    const settled = await store.getIssuedCertificate("0a");
    assertEquals([settled?.delivery, settled?.deliveredAt, settled?.current], [
      "undelivered",
      "2024-05-01T10:10:00.001Z",
      false,
    ]);
    assertEquals(
      settled?.deliveryDetail,
      "No outcome recorded within 600 s of signing: the server may have restarted before the station answered",
    );
    assertEquals((await store.getIssuedCertificate("0b"))?.delivery, "pending");
    assertEquals(events, [{
      kind: "certificate_signed_undelivered",
      chargePointId: "CP-1",
      reason: `Certificate 0a not delivered: ${settled?.deliveryDetail}; it is not the station's certificate`,
    }]);
    assertEquals(await sweep.tick(), 0, "settled once");
    assertEquals(events.length, 1);
  });
});

Deno.test("the sweep does nothing while another process holds its lease", async () => {
  await withSweep({}, async ({ store, sweep, clock, events, lease }) => {
    await store.addIssuedCertificate(cert("0a", "CP-1", T0));
    clock.ms = T0 + 3600_000;
    lease.held = false;
    assertEquals(await sweep.tick(), null);
    assertEquals((await store.getIssuedCertificate("0a"))?.delivery, "pending");
    assertEquals(events, []);
    lease.held = true;
    assertEquals(await sweep.tick(), 1);
  });
});

Deno.test("a sweep of many certificates names a few in their own events and counts the rest in one", async () => {
  await withSweep({ eventsPerRound: 3, batch: 4 }, async ({ store, sweep, clock, events }) => {
    const stations = Array.from({ length: 14 }, (_, i) => `CP-${String(i).padStart(2, "0")}`);
    for (const [i, id] of stations.entries()) {
      await store.addIssuedCertificate(cert(i.toString(16).padStart(2, "0"), id, T0 + i));
    }
    await store.addIssuedCertificate(cert("ff", "CP-00", T0)); // a second one of a station
    clock.ms = T0 + 3600_000;
    assertEquals(await sweep.tick(), 15, "every batch, until one is short");
    assertEquals(events.map((e) => e.chargePointId), ["CP-00", "CP-00", "CP-01", null]);
    const summary = events.at(-1)!;
    assertEquals(summary.kind, "certificate_signed_undelivered");
    assertMatch(
      summary.reason,
      /^12 more certificates not delivered \(stations "CP-02", "CP-03", .*"CP-11" and 2 more\): No outcome recorded within 600 s of signing/,
    );
    const listed = await store.listIssuedCertificates({ limit: 100 });
    assertEquals(listed.filter((c) => c.delivery !== "undelivered"), []);
  });
});

Deno.test("on KV, a certificate an older version left pending without a pending index entry is settled too", async () => {
  await withSweep({}, async ({ kv, store, sweep, clock }) => {
    // As written before the pending index existed: the record and its listing indexes only.
    const old = { ...cert("0c", "CP-OLD", T0), delivery: "pending", deliveredAt: null, deliveryDetail: null };
    await kv.atomic()
      .set(["pki_cert", "0c"], old)
      .set(["pki_cert_by_time", old.issuedAt, "0c"], true)
      .set(["pki_cert_by_cp", "CP-OLD", old.issuedAt, "0c"], true)
      .commit();
    await store.addIssuedCertificate(cert("0d", "CP-NEW", T0));
    clock.ms = T0 + 600_001;
    assertEquals(await sweep.tick(), 2);
    assertEquals((await store.getIssuedCertificate("0c"))?.delivery, "undelivered");
    assertEquals(await sweep.tick(), 0, "settled once");
    // Scanned once: a later open of the store skips the scan.
    assertEquals((await kv.get(["pki_cert_pending_indexed"])).value, true);
  });
});

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

/**
 * An enrolment on KV whose store fails the first `failures` writes of an outcome (all of them: Infinity), with
 * fast retries: `delaysMs` [1, 1], then an accepted outcome every 5 ms.
 */
async function withFailingStore(
  failures: number,
  answer: DeliveryOutcome,
  fn: (ctx: {
    pki: StationPki;
    enrolment: Enrolment;
    csr: string;
    lines: [string, string, Record<string, unknown>][];
    events: string[];
    writes: () => number;
  }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  let enrolment: Enrolment | null = null;
  try {
    const store = new KvPkiStore(kv);
    let ms = Date.parse("2024-05-01T10:00:00.000Z");
    // Each read of the clock is a second later: a retried write must keep when the outcome was known.
    const pki = await StationPki.open({ store, now: () => new Date(ms += 1000) });
    const record = store.recordDelivery.bind(store);
    let writes = 0;
    store.recordDelivery = (...args) => {
      if (++writes <= failures) return Promise.reject(new Error("Store unavailable: connection refused"));
      return record(...args);
    };
    const lines: [string, string, Record<string, unknown>][] = [];
    const events: string[] = [];
    enrolment = new Enrolment({
      pki,
      sendCertificate: () => Promise.resolve(answer),
      securityEvent: (e) => events.push(e.kind),
      log: (level, msg, fields) => lines.push([level, msg, fields]),
      retry: { delaysMs: [1, 1], acceptedEveryMs: 5 },
    });
    const { csr } = await makeCsr(dir, "/CN=CP-F");
    await fn({ pki, enrolment, csr, lines, events, writes: () => writes });
  } finally {
    await enrolment?.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Enrolment retries a failed write of the outcome and keeps the time it was known", async () => {
  const rejected = { delivery: "rejected" as const, detail: 'The station answered "Rejected"' };
  await withFailingStore(2, rejected, async ({ pki, enrolment, csr, lines, events, writes }) => {
    const done = await enrolment.complete("CP-F", csr, null);
    assert(done.status === "delivered");
    assertEquals(writes(), 3);
    assertEquals(events, ["certificate_issued", "certificate_signed_rejected"]);
    assertEquals(lines.map(([level, msg, f]) => [level, msg, f.attempts]), [
      ["warn", "certificate delivery not recorded yet: retrying", 1],
      ["warn", "certificate delivery not recorded yet: retrying", 2],
      ["warn", "certificate delivery recorded", 3],
    ]);
    assertEquals(lines[0]![2].error, "Error: Store unavailable: connection refused");
    const [stored] = await pki.listCertificates({ chargePointId: "CP-F", limit: 1 });
    assertEquals([stored?.delivery, stored?.deliveryDetail], ["rejected", rejected.detail]);
    // Known at the clock's next read after signing (1 s later), not when the third try wrote it (3 s later).
    assertEquals(Date.parse(stored!.deliveredAt!) - Date.parse(stored!.issuedAt), 1000);
  });
});

Deno.test("Enrolment gives up a refusal it cannot write after its retries: pending until the sweep settles it", async () => {
  const rejected = { delivery: "rejected" as const, detail: 'The station answered "Rejected"' };
  await withFailingStore(Infinity, rejected, async ({ pki, enrolment, csr, lines, writes }) => {
    const done = await enrolment.complete("CP-F", csr, null);
    assert(done.status === "delivered");
    assertEquals(writes(), 3, "the first write and two retries");
    assertEquals(lines.at(-1)?.slice(0, 2), [
      "error",
      "certificate delivery not recorded: it stays pending until the sweep settles it",
    ]);
    assertEquals(lines.at(-1)?.[2].serialNumber, done.serialNumber);
    const [stored] = await pki.listCertificates({ chargePointId: "CP-F", limit: 1 });
    assertEquals([stored?.delivery, stored?.current], ["pending", false]);
  });
});

Deno.test("Enrolment keeps trying to write an acceptance, and it wins over the sweep's undelivered", async () => {
  const accepted = { delivery: "accepted" as const, detail: null };
  await withFailingStore(8, accepted, async ({ pki, enrolment, csr, lines, writes }) => {
    let settledMeanwhile = 0;
    const sweeping = (async () => {
      // The sweep (past its bound, as after an outage) calls it undelivered while its writes fail.
      const deadline = Date.now() + 5000;
      while (settledMeanwhile === 0 && Date.now() < deadline) {
        settledMeanwhile =
          (await pki.settlePendingDeliveries({ olderThanMs: 0, detail: "No outcome", limit: 10 }))
            .length;
      }
    })();
    const done = await enrolment.complete("CP-F", csr, null);
    await sweeping;
    assert(done.status === "delivered");
    assertEquals(writes(), 9, "past the fast retries, on until written");
    assertEquals(settledMeanwhile, 1);
    assertEquals(lines.map(([level, msg]) => [level, msg]).slice(1, 3), [
      ["warn", "certificate delivery not recorded yet: retrying"],
      ["error", "certificate acceptance not recorded yet: retried until it is"],
    ]);
    assertEquals(lines.at(-1)?.slice(0, 2), ["info", "certificate delivery recorded"]);
    assertEquals(lines.at(-1)?.[2].attempts, 9);
    const current = await pki.currentCertificate("CP-F");
    assertEquals([current?.serialNumber, current?.delivery], [done.serialNumber, "accepted"]);
  });
});

Deno.test("Enrolment stops retrying an acceptance when closed, and says it was not recorded", async () => {
  const accepted = { delivery: "accepted" as const, detail: null };
  await withFailingStore(Infinity, accepted, async ({ pki, enrolment, csr, lines, writes }) => {
    const completing = enrolment.complete("CP-F", csr, null);
    const deadline = Date.now() + 5000;
    while (writes() < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    assert(writes() >= 5, "an acceptance is retried past the fast retries");
    await enrolment.close();
    const done = await completing;
    assert(done.status === "delivered");
    assertEquals(lines.at(-1)?.slice(0, 2), ["error", "certificate delivery not recorded: the server stops"]);
    const stopped = writes();
    await new Promise((r) => setTimeout(r, 30));
    assertEquals(writes(), stopped, "no write after close()");
    assertEquals((await pki.listCertificates({ chargePointId: "CP-F", limit: 1 }))[0]?.delivery, "pending");
  });
});

Deno.test("Enrolment's close() waits for an outcome still being written, for at most its bound", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  try {
    const store = new KvPkiStore(kv);
    const pki = await StationPki.open({ store, now: () => new Date() });
    const record = store.recordDelivery.bind(store);
    // The store is slow: each write waits for the test to let it through (a write that never ends: never).
    const gates: (() => void)[] = [];
    store.recordDelivery = async (...args) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return await record(...args);
    };
    const lines: string[] = [];
    const enrolment = new Enrolment({
      pki,
      sendCertificate: () => Promise.resolve({ delivery: "rejected", detail: "Rejected" }),
      securityEvent: () => {},
      log: (_level, msg) => lines.push(msg),
    });
    const { csr } = await makeCsr(dir, "/CN=CP-G");
    const first = enrolment.complete("CP-G", csr, null);
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
    let closed = false;
    const closing = enrolment.close().then(() => closed = true);
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(closed, false, "close() did not wait for the write under way");
    gates.shift()!();
    await closing;
    const done = await first;
    assert(done.status === "delivered");
    assertEquals((await pki.listCertificates({ chargePointId: "CP-G", limit: 1 }))[0]?.delivery, "rejected");

    // A write that never ends holds the server's stop for the bound only, and says so.
    const again = new Enrolment({
      closeWaitMs: 50,
      pki,
      sendCertificate: () => Promise.resolve({ delivery: "rejected", detail: "Rejected" }),
      securityEvent: () => {},
      log: (_level, msg) => lines.push(msg),
    });
    void again.complete("CP-G", csr, null);
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
    const started = Date.now();
    await again.close();
    assert(Date.now() - started < 1000);
    assertEquals(lines.at(-1), "certificate deliveries still being recorded when the server stops");
    gates.shift()!(); // let it end before the store closes
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Enrolment records a late answer to a certificate it sent unanswered, and ignores any other chain", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  try {
    const pki = await StationPki.open({ store: new KvPkiStore(kv), now: () => new Date() });
    const sent: string[] = [];
    const events: string[] = [];
    const enrolment = new Enrolment({
      pki,
      sendCertificate: (_id, chain) => {
        sent.push(chain);
        return Promise.resolve({ delivery: "undelivered", detail: "no answer within 500 ms" });
      },
      securityEvent: (e) => events.push(`${e.kind} ${e.chargePointId}`),
      log: () => {},
    });
    const { csr } = await makeCsr(dir, "/CN=CP-LATE");
    const unanswered = await enrolment.complete("CP-LATE", csr, null);
    assert(unanswered.status === "delivered");
    const accepted: DeliveryOutcome = { delivery: "accepted", detail: null };
    // Another station's late answer, or a chain we did not send, changes nothing.
    enrolment.lateAnswer("CP-OTHER", sent[0]!, accepted);
    enrolment.lateAnswer("CP-LATE", "not our chain", accepted);
    await enrolment.close();
    const before = await pki.listCertificates({ chargePointId: "CP-LATE", limit: 10 });
    assertEquals(before.map((c) => [c.delivery, c.current]), [["undelivered", false]]);
    enrolment.lateAnswer("CP-LATE", sent[0]!, accepted);
    await enrolment.close();
    const after = await pki.listCertificates({ chargePointId: "CP-LATE", limit: 10 });
    assertEquals(after.map((c) => [c.serialNumber, c.delivery, c.current]), [[
      unanswered.serialNumber,
      "accepted",
      true,
    ]]);
    assertEquals(events, [
      "certificate_issued CP-LATE",
      "certificate_signed_undelivered CP-LATE",
      "certificate_installed CP-LATE",
    ]);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

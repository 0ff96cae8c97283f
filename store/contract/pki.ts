/**
 * The PkiStore contract, run against every implementation by `security_extension_test.ts`.
 */
import { assertEquals, assertRejects } from "@std/assert";
import type { IssuedCertificate, SignedCertificate, StoredCa } from "../../model/certificates.ts";
import type { PkiStore } from "../pki_store.ts";
import type { ContractTest } from "./kit.ts";

const CA: StoredCa = {
  certificatePem: "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n",
  privateKeyPem: "-----BEGIN PRIVATE KEY-----\nB\n-----END PRIVATE KEY-----\n",
  createdAt: "2024-05-01T10:00:00.000Z",
};

/** The scans' now: no certificate below backs off past it. */
const NOW = "2024-05-25T00:00:00.000Z";

let serial = 0x10;

function cert(
  cp: string,
  issuedAt: string,
  notAfter: string,
  o: Partial<SignedCertificate> = {},
): SignedCertificate {
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

/** As the store answers `c` once delivered as `delivery` at `at` (not current: the test says when). */
function delivered(
  c: SignedCertificate,
  delivery: IssuedCertificate["delivery"],
  at: string | null,
  o: Partial<IssuedCertificate> = {},
): IssuedCertificate {
  return {
    ...c,
    delivery,
    deliveredAt: at,
    deliveryDetail: null,
    current: false,
    renewalUnanswered: 0,
    renewalRetryAt: null,
    redeliveredAt: null,
    ...o,
  };
}

/** Stores `c` and records its station's acceptance a minute after it was issued. */
async function addAccepted(store: PkiStore, c: SignedCertificate): Promise<void> {
  await store.addIssuedCertificate(c);
  await addAcceptedAt(store, c, new Date(Date.parse(c.issuedAt) + 60_000).toISOString());
}

/** Records the acceptance of `c`, stored already, at `at`. */
async function addAcceptedAt(store: PkiStore, c: SignedCertificate, at: string): Promise<void> {
  await store.recordDelivery(c.serialNumber, { delivery: "accepted", detail: null }, at);
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
    const [p1, q1, p2] = [a1, b1, a2].map((c) => delivered(c, "pending", null));
    assertEquals(await store.getIssuedCertificate(a2.serialNumber), p2);
    assertEquals(await store.getIssuedCertificate("ff"), null);
    assertEquals(await store.listIssuedCertificates({ limit: 10 }), [p2, q1, p1]);
    assertEquals(await store.listIssuedCertificates({ limit: 2 }), [p2, q1]);
    assertEquals(await store.listIssuedCertificates({ chargePointId: "CP-1", limit: 10 }), [p2, p1]);
    assertEquals(await store.listIssuedCertificates({ chargePointId: "cp-1", limit: 10 }), []);
  });

  test("listIssuedCertificates() pages with before: each once, those of one millisecond by serial", async (store) => {
    const times = [
      "2024-05-01T10:00:00.000Z",
      "2024-05-02T10:00:00.000Z",
      "2024-05-02T10:00:00.000Z",
      "2024-05-02T10:00:00.000Z",
      "2024-05-01T10:00:00.000Z",
      "2024-05-03T10:00:00.000Z",
    ];
    const made = times.map((at, i) => cert(i % 2 === 0 ? "CP-1" : "CP-2", at, "2025-05-01T10:00:00.000Z"));
    // Stored in another order than their serials'.
    for (const c of [...made].reverse()) await store.addIssuedCertificate(c);
    const order = (cs: SignedCertificate[]) =>
      [...cs].sort((a, b) =>
        a.issuedAt === b.issuedAt
          ? (a.serialNumber < b.serialNumber ? 1 : -1)
          : (a.issuedAt < b.issuedAt ? 1 : -1)
      ).map((c) => c.serialNumber);
    for (const chargePointId of [undefined, "CP-1"]) {
      const seen: string[] = [];
      let before: { at: string; id: string } | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.listIssuedCertificates({
          limit: 2,
          ...(chargePointId ? { chargePointId } : {}),
          ...(before ? { before } : {}),
        });
        seen.push(...page.map((c) => c.serialNumber));
        const last = page.at(-1);
        if (page.length < 2 || !last) break;
        before = { at: last.issuedAt, id: last.serialNumber };
      }
      assertEquals(seen, order(made.filter((c) => !chargePointId || c.chargePointId === chargePointId)));
    }
  });

  test("listIssuedCertificates() of one, asked for many stations at once (boots): each its newest", async (store) => {
    const same = "2024-05-02T10:00:00.000Z";
    // CP-1's two newest share a millisecond: the larger serial is first, as in a page.
    const made = [
      cert("CP-1", "2024-05-01T10:00:00.000Z", "2025-05-01T10:00:00.000Z"),
      cert("CP-1", same, "2025-05-01T10:00:00.000Z"),
      cert("CP-1", same, "2025-05-01T10:00:00.000Z"),
      cert("CP-2", "2024-05-03T10:00:00.000Z", "2025-05-01T10:00:00.000Z"),
      cert("CP-2", "2024-05-01T10:00:00.000Z", "2025-05-01T10:00:00.000Z"),
    ];
    for (const c of [...made].reverse()) await store.addIssuedCertificate(c);
    const stations = ["CP-1", "CP-2", "CP-3", "CP-1", "cp-1"];
    const firsts = await Promise.all(
      stations.map((chargePointId) => store.listIssuedCertificates({ chargePointId, limit: 1 })),
    );
    assertEquals(firsts.map((page) => page.map((c) => c.serialNumber)), [
      [made[2]!.serialNumber],
      [made[3]!.serialNumber],
      [],
      [made[2]!.serialNumber],
      [],
    ]);
    for (const [i, chargePointId] of stations.entries()) {
      const page = await store.listIssuedCertificates({ chargePointId, limit: 2 });
      assertEquals(firsts[i], page.slice(0, 1), `${chargePointId}: as the first row of a page`);
    }
  });

  test("listDueForRenewal() sees each station's current certificate only, soonest expiry first", async (store) => {
    const old = cert("CP-1", "2024-01-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");
    const renewed = cert("CP-1", "2024-05-20T00:00:00.000Z", "2025-05-20T00:00:00.000Z");
    const soon = cert("CP-2", "2024-01-02T00:00:00.000Z", "2024-06-10T00:00:00.000Z");
    const sooner = cert("CP-3", "2024-01-03T00:00:00.000Z", "2024-06-05T00:00:00.000Z");
    const later = cert("CP-4", "2024-01-04T00:00:00.000Z", "2024-12-01T00:00:00.000Z");
    for (const c of [old, renewed, soon, sooner, later]) await addAccepted(store, c);
    const due = (at: string) =>
      store.listDueForRenewal({
        notAfterBefore: at,
        requestedBefore: "2024-05-25T00:00:00.000Z",
        now: NOW,
        limit: 10,
      });
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
      now: NOW,
      limit: 1,
    });
    assertEquals(page.map((c) => c.chargePointId), ["CP-3"]);
  });

  test("listDueForRenewal() with chargePointIds sees only those stations' certificates", async (store) => {
    // Stations offline or held by another node must not fill the scan's page before the ones it can ask.
    const offline = cert("CP-OFF", "2024-01-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");
    const here = cert("CP-HERE", "2024-01-02T00:00:00.000Z", "2024-06-10T00:00:00.000Z");
    const alsoHere = cert("CP-ALSO", "2024-01-03T00:00:00.000Z", "2024-06-20T00:00:00.000Z");
    for (const c of [offline, here, alsoHere]) await addAccepted(store, c);
    const due = (chargePointIds: string[], limit = 10) =>
      store.listDueForRenewal({
        notAfterBefore: "2024-07-01T00:00:00.000Z",
        requestedBefore: "2024-05-25T00:00:00.000Z",
        now: NOW,
        limit,
        chargePointIds,
      });
    assertEquals((await due(["CP-ALSO", "CP-HERE"], 1)).map((c) => c.chargePointId), ["CP-HERE"]);
    assertEquals((await due(["CP-ALSO", "CP-HERE"])).map((c) => c.chargePointId), ["CP-HERE", "CP-ALSO"]);
    assertEquals(await due([]), []);
    assertEquals(await due(["CP-NONE"]), []);
  });

  test("markRenewalRequested() hides a certificate from the scan until the request is old enough", async (store) => {
    const c = cert("CP-1", "2024-01-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");
    await addAccepted(store, c);
    await store.markRenewalRequested(c.serialNumber, "2024-05-10T00:00:00.000Z");
    assertEquals(
      (await store.getIssuedCertificate(c.serialNumber))?.renewalRequestedAt,
      "2024-05-10T00:00:00.000Z",
    );
    const due = (requestedBefore: string) =>
      store.listDueForRenewal({
        notAfterBefore: "2024-07-01T00:00:00.000Z",
        requestedBefore,
        now: NOW,
        limit: 10,
      });
    assertEquals(await due("2024-05-10T00:00:00.000Z"), []);
    assertEquals((await due("2024-05-11T00:00:00.000Z")).map((x) => x.serialNumber), [c.serialNumber]);
    await store.markRenewalRequested("00", "2024-05-10T00:00:00.000Z"); // unknown: no error
  });

  test("markRenewalUnanswered() backs a certificate off, doubling, shared by every reader; an answer ends it", async (store) => {
    const c = cert("CP-1", "2024-01-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");
    await addAccepted(store, c);
    const due = (now: string) =>
      store.listDueForRenewal({
        notAfterBefore: "2024-07-01T00:00:00.000Z",
        requestedBefore: "2024-05-11T00:00:00.000Z",
        now,
        limit: 10,
      });
    const backoff = { baseMs: 600_000, maxMs: 3 * 3600_000 };
    const read = async () => {
      const r = (await store.getIssuedCertificate(c.serialNumber))!;
      return [r.renewalUnanswered, r.renewalRetryAt];
    };
    await store.markRenewalUnanswered(c.serialNumber, { at: "2024-05-20T00:00:00.000Z", ...backoff });
    assertEquals(await read(), [1, "2024-05-20T00:20:00.000Z"]);
    assertEquals(await due("2024-05-20T00:19:59.999Z"), []);
    assertEquals((await due("2024-05-20T00:20:00.000Z")).map((x) => x.serialNumber), [c.serialNumber]);
    await store.markRenewalUnanswered(c.serialNumber, { at: "2024-05-20T00:20:00.000Z", ...backoff });
    assertEquals(await read(), [2, "2024-05-20T01:00:00.000Z"]);
    // Two nodes at once: both counted.
    await Promise.all(
      [1, 2].map(() =>
        store.markRenewalUnanswered(c.serialNumber, { at: "2024-05-20T01:00:00.000Z", ...backoff })
      ),
    );
    assertEquals((await read())[0], 4);
    // Capped at maxMs.
    await store.markRenewalUnanswered(c.serialNumber, { at: "2024-05-20T02:00:00.000Z", ...backoff });
    assertEquals(await read(), [5, "2024-05-20T05:00:00.000Z"]);
    assertEquals(await due("2024-05-20T04:59:00.000Z"), []);
    // An answer: asked, no back-off (the retry period after a request applies instead).
    await store.markRenewalRequested(c.serialNumber, "2024-05-20T03:00:00.000Z");
    assertEquals(await read(), [0, null]);
    assertEquals(
      (await store.listDueForRenewal({
        notAfterBefore: "2024-07-01T00:00:00.000Z",
        requestedBefore: "2024-05-20T03:00:00.001Z",
        now: "2024-05-20T03:00:00.001Z",
        limit: 10,
      })).map((x) => x.serialNumber),
      [c.serialNumber],
    );
    await store.markRenewalUnanswered("00", { at: "2024-05-20T00:00:00.000Z", ...backoff }); // unknown: no error
  });

  test("claimRedelivery() takes an undelivered certificate once, and nothing else", async (store) => {
    const undelivered = cert("CP-1", "2024-05-01T10:00:00.000Z", "2025-05-01T10:00:00.000Z");
    const rejected = cert("CP-2", "2024-05-01T10:00:00.000Z", "2025-05-01T10:00:00.000Z");
    const pending = cert("CP-3", "2024-05-01T10:00:00.000Z", "2025-05-01T10:00:00.000Z");
    for (const c of [undelivered, rejected, pending]) await store.addIssuedCertificate(c);
    await store.recordDelivery(
      undelivered.serialNumber,
      { delivery: "undelivered", detail: "gone" },
      "2024-05-01T10:01:00.000Z",
    );
    await store.recordDelivery(
      rejected.serialNumber,
      { delivery: "rejected", detail: "no" },
      "2024-05-01T10:01:00.000Z",
    );
    const at = "2024-05-02T00:00:00.000Z";
    const claims = await Promise.all(
      [1, 2, 3].map(() => store.claimRedelivery(undelivered.serialNumber, at)),
    );
    assertEquals(claims.filter(Boolean).length, 1, "one caller wins");
    assertEquals((await store.getIssuedCertificate(undelivered.serialNumber))?.redeliveredAt, at);
    assertEquals(await store.claimRedelivery(undelivered.serialNumber, "2024-05-03T00:00:00.000Z"), false);
    assertEquals(await store.claimRedelivery(rejected.serialNumber, at), false, "the station said no");
    assertEquals(await store.claimRedelivery(pending.serialNumber, at), false);
    assertEquals(await store.claimRedelivery("00", at), false);
    // The redelivery's answer is recorded as any delivery's.
    const accepted = await store.recordDelivery(undelivered.serialNumber, {
      delivery: "accepted",
      detail: null,
    }, at);
    assertEquals([accepted?.delivery, accepted?.current, accepted?.redeliveredAt], ["accepted", true, at]);
  });

  test("a signed certificate is pending and nobody's until its station accepts it", async (store) => {
    const c = cert("CP-1", "2024-05-01T10:00:00.000Z", "2024-06-01T10:00:00.000Z");
    await store.addIssuedCertificate(c);
    const due = () =>
      store.listDueForRenewal({
        notAfterBefore: "2025-01-01T00:00:00.000Z",
        requestedBefore: "2024-05-25T00:00:00.000Z",
        now: NOW,
        limit: 10,
      });
    assertEquals(await due(), []);
    assertEquals(await store.getCurrentCertificate("CP-1"), null);
    const at = "2024-05-01T10:00:05.000Z";
    const accepted = delivered(c, "accepted", at, { current: true });
    assertEquals(
      await store.recordDelivery(c.serialNumber, { delivery: "accepted", detail: null }, at),
      accepted,
    );
    assertEquals(await store.getIssuedCertificate(c.serialNumber), accepted);
    assertEquals(await store.getCurrentCertificate("CP-1"), accepted);
    assertEquals(await store.getCurrentCertificate("CP-2"), null);
    assertEquals(await store.listIssuedCertificates({ chargePointId: "CP-1", limit: 10 }), [accepted]);
    assertEquals(await due(), [accepted]);
  });

  test("a rejected or undelivered certificate is kept, and the accepted one stays current", async (store) => {
    const installed = cert("CP-1", "2024-01-01T00:00:00.000Z", "2024-06-01T00:00:00.000Z");
    const refused = cert("CP-1", "2024-05-01T00:00:00.000Z", "2025-05-01T00:00:00.000Z");
    const lost = cert("CP-1", "2024-05-02T00:00:00.000Z", "2025-05-02T00:00:00.000Z");
    const crashed = cert("CP-1", "2024-05-03T00:00:00.000Z", "2025-05-03T00:00:00.000Z");
    await addAccepted(store, installed);
    for (const c of [refused, lost, crashed]) await store.addIssuedCertificate(c);
    const rejectedAt = "2024-05-01T00:00:01.000Z";
    const notDeliveredAt = "2024-05-02T00:00:30.000Z";
    const rejected = { delivery: "rejected" as const, detail: "The station answered Rejected" };
    const undelivered = { delivery: "undelivered" as const, detail: "No answer within 30000 ms" };
    assertEquals(
      await store.recordDelivery(refused.serialNumber, rejected, rejectedAt),
      delivered(refused, "rejected", rejectedAt, { deliveryDetail: rejected.detail }),
    );
    await store.recordDelivery(lost.serialNumber, undelivered, notDeliveredAt);
    const listed = await store.listIssuedCertificates({ chargePointId: "CP-1", limit: 10 });
    assertEquals(listed.map((c) => [c.serialNumber, c.delivery, c.deliveryDetail, c.current]), [
      [crashed.serialNumber, "pending", null, false],
      [lost.serialNumber, "undelivered", undelivered.detail, false],
      [refused.serialNumber, "rejected", rejected.detail, false],
      [installed.serialNumber, "accepted", null, true],
    ]);
    // The renewal scan still sees the certificate the station has, expiring soon.
    const due = await store.listDueForRenewal({
      notAfterBefore: "2026-01-01T00:00:00.000Z",
      requestedBefore: "2024-05-25T00:00:00.000Z",
      now: NOW,
      limit: 10,
    });
    assertEquals(due.map((c) => c.serialNumber), [installed.serialNumber]);
  });

  test("recordDelivery() keeps the station's answer and answers null for an unknown serial", async (store) => {
    const refused = cert("CP-1", "2024-05-01T00:00:00.000Z", "2025-05-01T00:00:00.000Z");
    const installed = cert("CP-1", "2024-05-02T00:00:00.000Z", "2025-05-02T00:00:00.000Z");
    for (const c of [refused, installed]) await store.addIssuedCertificate(c);
    const first = await store.recordDelivery(
      refused.serialNumber,
      { delivery: "rejected", detail: "The station answered Rejected" },
      "2024-05-01T00:00:01.000Z",
    );
    for (const delivery of ["accepted", "undelivered"] as const) {
      const again = await store.recordDelivery(
        refused.serialNumber,
        { delivery, detail: null },
        "2024-05-01T00:00:02.000Z",
      );
      assertEquals(again, first);
    }
    await store.recordDelivery(
      installed.serialNumber,
      { delivery: "accepted", detail: null },
      "2024-05-02T00:00:01Z",
    );
    for (const delivery of ["rejected", "undelivered"] as const) {
      const again = await store.recordDelivery(
        installed.serialNumber,
        { delivery, detail: "Too late" },
        "2024-05-02T00:00:02.000Z",
      );
      assertEquals([again?.delivery, again?.deliveryDetail, again?.current], ["accepted", null, true]);
    }
    assertEquals(
      await store.recordDelivery("00", { delivery: "accepted", detail: null }, "2024-05-01T00:00:00Z"),
      null,
    );
    await assertRejects(() => store.addIssuedCertificate(refused), Error, "stored already");
  });

  test("an answer heard after a certificate was called undelivered replaces that; Accepted makes it current", async (store) => {
    const installed = cert("CP-1", "2024-05-01T00:00:00.000Z", "2025-05-01T00:00:00.000Z");
    const refused = cert("CP-1", "2024-05-02T00:00:00.000Z", "2025-05-02T00:00:00.000Z");
    for (const c of [installed, refused]) await store.addIssuedCertificate(c);
    const lost = { delivery: "undelivered" as const, detail: "Not connected" };
    for (const c of [installed, refused]) {
      await store.recordDelivery(c.serialNumber, lost, "2024-05-02T00:00:01.000Z");
    }
    // Another "no answer" adds nothing: the first stays.
    const still = await store.recordDelivery(
      installed.serialNumber,
      { delivery: "undelivered", detail: "Timed out" },
      "2024-05-02T00:00:02.000Z",
    );
    assertEquals([still?.delivery, still?.deliveryDetail], ["undelivered", "Not connected"]);
    const at = "2024-05-02T00:00:03.000Z";
    assertEquals(
      await store.recordDelivery(installed.serialNumber, { delivery: "accepted", detail: null }, at),
      delivered(installed, "accepted", at, { current: true }),
    );
    assertEquals((await store.getCurrentCertificate("CP-1"))?.serialNumber, installed.serialNumber);
    const rejected = await store.recordDelivery(
      refused.serialNumber,
      { delivery: "rejected", detail: "The station answered Rejected" },
      at,
    );
    assertEquals(
      rejected,
      delivered(refused, "rejected", at, { deliveryDetail: "The station answered Rejected" }),
    );
  });

  test("settlePendingDeliveries() calls certificates pending since before the bound undelivered, oldest first", async (store) => {
    const old1 = cert("CP-1", "2024-05-01T00:00:00.000Z", "2025-05-01T00:00:00.000Z");
    const old2 = cert("CP-2", "2024-05-01T00:00:01.000Z", "2025-05-01T00:00:00.000Z");
    const old3 = cert("CP-1", "2024-05-01T00:00:02.000Z", "2025-05-01T00:00:00.000Z");
    const answered = cert("CP-3", "2024-05-01T00:00:00.500Z", "2025-05-01T00:00:00.000Z");
    const atBound = cert("CP-4", "2024-05-01T00:10:00.000Z", "2025-05-01T00:00:00.000Z");
    const recent = cert("CP-4", "2024-05-01T00:10:01.000Z", "2025-05-01T00:00:00.000Z");
    for (const c of [old1, old2, old3, answered, atBound, recent]) await store.addIssuedCertificate(c);
    await addAcceptedAt(store, answered, "2024-05-01T00:00:03.000Z");
    const detail = "No outcome recorded within 600 s";
    const at = "2024-05-01T00:20:00.000Z";
    const settle = (limit: number) =>
      store.settlePendingDeliveries({ issuedBefore: "2024-05-01T00:10:00.000Z", detail, at, limit });
    const swept = (c: SignedCertificate) => delivered(c, "undelivered", at, { deliveryDetail: detail });
    assertEquals(await settle(1), [swept(old1)]);
    assertEquals(await settle(10), [swept(old2), swept(old3)]);
    assertEquals(await settle(10), []);
    assertEquals(await store.getIssuedCertificate(old2.serialNumber), swept(old2));
    assertEquals((await store.getIssuedCertificate(answered.serialNumber))?.delivery, "accepted");
    for (const c of [atBound, recent]) {
      assertEquals((await store.getIssuedCertificate(c.serialNumber))?.delivery, "pending");
    }
    // The station's Accepted, heard (or stored) late, still makes it its certificate.
    const late = await store.recordDelivery(old3.serialNumber, { delivery: "accepted", detail: null }, at);
    assertEquals([late?.delivery, late?.current], ["accepted", true]);
    assertEquals(await settle(10), []);
  });

  test("sweeps and deliveries at once: each certificate is settled once and every Accepted is kept", async (store) => {
    const certs = Array.from(
      { length: 24 },
      (_, i) =>
        cert(`CP-${i % 4}`, `2024-05-01T00:00:${String(i).padStart(2, "0")}.000Z`, "2025-05-01T00:00:00Z"),
    );
    for (const c of certs) await store.addIssuedCertificate(c);
    const at = "2024-05-01T01:00:00.000Z";
    const sweep = () =>
      store.settlePendingDeliveries({ issuedBefore: at, detail: "No outcome recorded", at, limit: 5 });
    const accepted = certs.filter((_, i) => i % 3 === 0);
    const results = await Promise.all([
      sweep(),
      ...accepted.map((c) =>
        store.recordDelivery(c.serialNumber, { delivery: "accepted", detail: null }, at)
      ),
      sweep(),
      sweep(),
    ]);
    for (;;) {
      const more = await sweep();
      if (more.length === 0) break;
      results.push(more);
    }
    const settled = results.filter(Array.isArray).flat().map((c) => c.serialNumber);
    assertEquals(settled.length, new Set(settled).size, "a certificate settled twice");
    const listed = await store.listIssuedCertificates({ limit: 100 });
    const acceptedSerials = new Set(accepted.map((c) => c.serialNumber));
    for (const c of listed) {
      assertEquals(
        c.delivery,
        acceptedSerials.has(c.serialNumber) ? "accepted" : "undelivered",
        c.serialNumber,
      );
    }
    const current = listed.filter((c) => c.current).map((c) => c.chargePointId).sort();
    assertEquals(current, ["CP-0", "CP-1", "CP-2", "CP-3"]);
  });

  test("an older certificate accepted after a newer one does not take its place", async (store) => {
    const older = cert("CP-1", "2024-05-01T00:00:00.000Z", "2025-05-01T00:00:00.000Z");
    const newer = cert("CP-1", "2024-05-02T00:00:00.000Z", "2025-05-02T00:00:00.000Z");
    for (const c of [older, newer]) await store.addIssuedCertificate(c);
    await store.recordDelivery(
      newer.serialNumber,
      { delivery: "accepted", detail: null },
      "2024-05-02T00:00:01Z",
    );
    const late = await store.recordDelivery(
      older.serialNumber,
      { delivery: "accepted", detail: null },
      "2024-05-02T00:00:02.000Z",
    );
    assertEquals([late?.delivery, late?.current], ["accepted", false]);
    assertEquals((await store.getIssuedCertificate(newer.serialNumber))?.current, true);
    assertEquals((await store.getCurrentCertificate("CP-1"))?.serialNumber, newer.serialNumber);
  });

  test("deliveries accepted at once leave exactly one current certificate, the newest", async (store) => {
    // Several rounds of several at once: one round seldom interleaves enough to show a race.
    for (const cp of ["CP-1", "CP-2", "CP-3", "CP-4"]) {
      const certs = Array.from(
        { length: 8 },
        (_, i) => cert(cp, `2024-05-0${i + 1}T00:00:00.000Z`, `2025-05-0${i + 1}T00:00:00.000Z`),
      );
      for (const c of certs) await store.addIssuedCertificate(c);
      await Promise.all(
        certs.map((c) =>
          store.recordDelivery(
            c.serialNumber,
            { delivery: "accepted", detail: null },
            "2024-06-01T00:00:00.000Z",
          )
        ),
      );
      const listed = await store.listIssuedCertificates({ chargePointId: cp, limit: 10 });
      assertEquals(listed.filter((c) => c.current).map((c) => c.serialNumber), [certs.at(-1)!.serialNumber]);
    }
    const due = await store.listDueForRenewal({
      notAfterBefore: "2026-01-01T00:00:00.000Z",
      requestedBefore: "2024-05-25T00:00:00.000Z",
      now: NOW,
      limit: 10,
    });
    assertEquals(due.map((c) => c.chargePointId), ["CP-1", "CP-2", "CP-3", "CP-4"]);
  });
}

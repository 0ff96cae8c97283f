import { assertEquals } from "@std/assert";
import { profile } from "../contract/energy.ts";
import type { ReservationRecord } from "../fleet.ts";
import { KvEnergyStore } from "./energy.ts";
import { openKvHandle } from "./handle.ts";
import { PresenceMarks } from "./presence.ts";
import { KvReservationStore } from "./reservations.ts";
import { KvPkiStore } from "./pki.ts";
import { signedCertificate } from "../../tests/helpers/issued_certificates.ts";

const T0 = "2026-12-01T10:00:00.000Z";

function reservation(chargePointId: string, id: number, connectorId = 1): ReservationRecord {
  return {
    reservationId: id,
    chargePointId,
    connectorId,
    idTag: "TAG-1",
    parentIdTag: null,
    expiryDate: "2026-12-01T11:00:00.000Z",
    state: "active",
    createdBy: "user:root",
    createdAt: T0,
    endedAt: null,
    endReason: null,
    transactionId: null,
    unconfirmed: false,
  };
}

/** Counts the `list` calls made on `kv` under each first key part. */
function countLists(kv: Deno.Kv): Map<string, number> {
  const counts = new Map<string, number>();
  const list = kv.list.bind(kv);
  kv.list = ((selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
    const key = "prefix" in selector ? selector.prefix : selector.start;
    const kind = String(key[0]);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return list(selector, options);
  }) as Deno.Kv["list"];
  return counts;
}

Deno.test("a file written before the marks: its charging profiles and active reservations are listed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "presence_test_" });
  try {
    const path = `${dir}/old.kv`;
    // What the code before the marks stored: the entries, no mark, no meta key.
    const old = await openKvHandle(path);
    const r = reservation("CP-2", 7, 2);
    await old.atomic()
      .set(["cprofile", "CP-1", 3], profile("CP-1", 3))
      .set(["cprofile", "CP-1", 4], profile("CP-1", 4))
      .set(["rsv", 7], r).set(["rsv_cp", "CP-2", 7], true)
      .set(["rsv_active", "CP-2", 2, 7], true).set(["rsv_exp", r.expiryDate, 7], true)
      .commit();
    old.close();

    const kv = await openKvHandle(path);
    try {
      const energy = new KvEnergyStore(kv);
      const reservations = new KvReservationStore(kv);
      assertEquals((await energy.listChargingProfiles("CP-1")).map((p) => p.chargingProfileId), [3, 4]);
      assertEquals(await energy.listChargingProfiles("CP-2"), []);
      assertEquals(await reservations.listActiveReservations("CP-2"), [r]);
      assertEquals(await reservations.listActiveReservations("CP-2", 2), [r]);
      assertEquals(await reservations.listActiveReservations("CP-1"), []);
      assertEquals((await kv.get(["meta", "marks_cprofile"])).value, true);
      assertEquals((await kv.get(["meta", "marks_rsv_active"])).value, true);
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("listChargingProfiles() of a station without profiles reads its mark, not a list", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const energy = new KvEnergyStore(kv);
    await energy.listChargingProfiles("CP-0"); // the one scan of a file without the meta key
    const lists = countLists(kv);
    assertEquals(await energy.listChargingProfiles("CP-1"), []);
    assertEquals(lists.get("cprofile") ?? 0, 0);

    await energy.updateChargingProfiles("CP-1", { remove: [], put: [profile("CP-1", 5)] });
    assertEquals((await energy.listChargingProfiles("CP-1")).map((p) => p.chargingProfileId), [5]);
    assertEquals(lists.get("cprofile"), 1);
    // The last one removed: the next listing finds none and clears the mark; the one after reads only the mark.
    await energy.updateChargingProfiles("CP-1", { remove: [5], put: [] });
    assertEquals(await energy.listChargingProfiles("CP-1"), []);
    assertEquals(await energy.listChargingProfiles("CP-1"), []);
    assertEquals(lists.get("cprofile"), 2);
    await energy.updateChargingProfiles("CP-1", { remove: [], put: [profile("CP-1", 6)] });
    assertEquals((await energy.listChargingProfiles("CP-1")).map((p) => p.chargingProfileId), [6]);
  } finally {
    kv.close();
  }
});

Deno.test("a station's certificates (every boot asks for its newest): one without any reads its mark, not a list", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    // A file written before the marks: a certificate's index entry alone, as the store wrote it until then.
    const old = signedCertificate("0a", "CP-OLD", T0);
    await kv.atomic().set(["pki_cert", "0a"], { ...old, delivery: "accepted" })
      .set(["pki_cert_by_time", T0, "0a"], true).set(["pki_cert_by_cp", "CP-OLD", T0, "0a"], true).commit();
    const pki = new KvPkiStore(kv);
    assertEquals(
      (await pki.listIssuedCertificates({ chargePointId: "CP-OLD", limit: 1 })).map((c) => c.serialNumber),
      [
        "0a",
      ],
    );
    const lists = countLists(kv);
    assertEquals(await pki.listIssuedCertificates({ chargePointId: "CP-1", limit: 1 }), []);
    assertEquals(lists.get("pki_cert_by_cp") ?? 0, 0);

    await pki.addIssuedCertificate(signedCertificate("0b", "CP-1", "2026-12-01T11:00:00.000Z"));
    await pki.addIssuedCertificate(signedCertificate("0c", "CP-1", "2026-12-01T12:00:00.000Z"));
    assertEquals(
      (await pki.listIssuedCertificates({ chargePointId: "CP-1", limit: 1 })).map((c) => c.serialNumber),
      [
        "0c",
      ],
    );
    assertEquals(lists.get("pki_cert_by_cp"), 1);
    // A page past the last finds none but keeps the mark: the station has certificates.
    const page = { at: "2026-12-01T11:00:00.000Z", id: "0b" };
    assertEquals(await pki.listIssuedCertificates({ chargePointId: "CP-1", limit: 5, before: page }), []);
    assertEquals(
      (await pki.listIssuedCertificates({ chargePointId: "CP-1", limit: 5 })).map((c) => c.serialNumber),
      [
        "0c",
        "0b",
      ],
    );
  } finally {
    kv.close();
  }
});

Deno.test("listActiveReservations() follows reservations made, ended and made again", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const reservations = new KvReservationStore(kv);
    await reservations.listActiveReservations("CP-0");
    const lists = countLists(kv);
    assertEquals(await reservations.listActiveReservations("CP-1"), []);
    assertEquals(lists.get("rsv_active") ?? 0, 0);

    const first = reservation("CP-1", 1, 1);
    assertEquals(await reservations.createReservation(first), true);
    assertEquals(await reservations.listActiveReservations("CP-1", 2), []);
    // A listing of one connector that finds none says nothing of the others: the mark stays.
    assertEquals(await reservations.listActiveReservations("CP-1", 1), [first]);
    assertEquals(await reservations.listActiveReservations("CP-1"), [first]);
    await reservations.endReservation(1, { state: "cancelled", at: T0, reason: "cancelled by user:root" });
    assertEquals(await reservations.listActiveReservations("CP-1"), []);
    const before = lists.get("rsv_active");
    assertEquals(await reservations.listActiveReservations("CP-1"), []);
    assertEquals(lists.get("rsv_active"), before);

    const second = reservation("CP-1", 2, 1);
    assertEquals(await reservations.createReservation(second), true);
    assertEquals(await reservations.listActiveReservations("CP-1"), [second]);
  } finally {
    kv.close();
  }
});

Deno.test("PresenceMarks keeps the mark when an entry is added while a listing finds none", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const marks = new PresenceMarks(kv, "thing");
    const list = async () => {
      const out: unknown[] = [];
      for await (const e of kv.list({ prefix: ["thing", "CP-1"] })) out.push(e.value);
      return out;
    };
    await kv.set(marks.key("CP-1"), true);
    // The listing saw nothing; before it clears the mark, another writer adds an entry (and sets the mark).
    const found = await marks.list("CP-1", async () => {
      const seen = await list();
      await kv.atomic().set(["thing", "CP-1", 1], "a").set(marks.key("CP-1"), true).commit();
      return seen;
    }, true);
    assertEquals(found, []);
    assertEquals(await marks.list("CP-1", list, true), ["a"]);
  } finally {
    kv.close();
  }
});

import { assert, assertEquals } from "@std/assert";
import { openKvHandle } from "../store/kv/handle.ts";
import { KvPkiStore } from "../store/kv/pki.ts";
import { makeCsr } from "../tests/helpers/openssl.ts";
import { within } from "../tests/helpers/server.ts";
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
      stationsHere: () => ["CP-ON", "CP-NO"],
      isConnected: (id) => id !== "CP-OFF",
      trigger: (c) => {
        asked.push(c.chargePointId);
        return Promise.resolve(outcomes[c.chargePointId] ?? "unanswered");
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
      stationsHere: () => ["CP-1", "CP-2"],
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

/** A PKI on KV in memory whose stations `ids` each hold a current certificate, due for renewal at once. */
async function duePki(ids: string[]) {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  const clock = { now: new Date("2024-05-01T00:00:00Z") };
  const pki = await StationPki.open({
    store: new KvPkiStore(kv),
    now: () => clock.now,
    settings: { certificateValidityDays: 10, renewBeforeDays: 3 },
  });
  for (const id of ids) {
    // A minute apart: the certificates expire in the order of `ids`.
    clock.now = new Date(clock.now.getTime() + 60_000);
    const signed = await pki.signCertificate(id, (await makeCsr(dir, `/CN=${id}`)).csr);
    assert(signed.ok, id);
    await pki.recordDelivery(signed.certificate.serialNumber, { delivery: "accepted", detail: null });
  }
  clock.now = new Date(clock.now.getTime() + 8 * DAY_MS);
  return {
    pki,
    clock,
    async [Symbol.asyncDispose]() {
      kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("CertificateRenewal asks again at the next scan a station whose trigger got no answer, and waits the retry period after an answer", async () => {
  await using setup = await duePki(["CP-LOST", "CP-YES", "CP-NO"]);
  const { pki, clock } = setup;
  const asked: string[] = [];
  // CP-LOST disconnects with its first trigger in flight, then answers Accepted once reconnected.
  const lost = ["unanswered", "accepted"] as TriggerOutcome[];
  const outcomes: Record<string, () => TriggerOutcome> = {
    "CP-LOST": () => lost.shift() ?? "accepted",
    "CP-YES": () => "accepted",
    "CP-NO": () => "refused",
  };
  const renewal = new CertificateRenewal({
    pki,
    stationsHere: () => ["CP-LOST", "CP-YES", "CP-NO"],
    isConnected: () => true,
    trigger: (c) => {
      asked.push(c.chargePointId);
      return Promise.resolve(outcomes[c.chargePointId]!());
    },
    retryAfterMs: 6 * 3600_000,
  });
  assertEquals(await renewal.scan(), 1);
  assertEquals(asked.sort(), ["CP-LOST", "CP-NO", "CP-YES"]);
  clock.now = new Date(clock.now.getTime() + 600_000);
  asked.length = 0;
  assertEquals(await renewal.scan(), 1, "the lost trigger is sent again and accepted");
  assertEquals(asked, ["CP-LOST"], "the stations that answered (Accepted or not) wait the retry period");
  asked.length = 0;
  assertEquals(await renewal.scan(), 0);
  assertEquals(asked, [], "an answered trigger counts as asked");
  await renewal.stop();
});

Deno.test("CertificateRenewal asks only the stations connected here, however many others are due", async () => {
  // Five due stations offline (or on another node) ahead of the one connected here, with a page of two.
  const offline = ["CP-A", "CP-B", "CP-C", "CP-D", "CP-E"];
  await using setup = await duePki([...offline, "CP-HERE"]);
  const asked: string[] = [];
  const renewal = new CertificateRenewal({
    pki: setup.pki,
    stationsHere: () => ["CP-HERE"],
    isConnected: (id) => id === "CP-HERE",
    trigger: (c) => {
      asked.push(c.chargePointId);
      return Promise.resolve("unanswered");
    },
    batch: 2,
  });
  await renewal.scan();
  await renewal.scan();
  assertEquals(asked, ["CP-HERE", "CP-HERE"]);
  await renewal.stop();
});

Deno.test("CertificateRenewal backs off a connected station whose trigger times out, doubling up to the retry period", async () => {
  await using setup = await duePki(["CP-MUTE", "CP-LOST"]);
  const { pki, clock } = setup;
  const asked: string[] = [];
  const renewal = new CertificateRenewal({
    pki,
    stationsHere: () => ["CP-MUTE", "CP-LOST"],
    isConnected: () => true,
    // CP-MUTE stays connected and never answers; CP-LOST's trigger is lost to a disconnect every time.
    trigger: (c) => {
      asked.push(c.chargePointId);
      return Promise.resolve(c.chargePointId === "CP-MUTE" ? "timedOut" : "unanswered");
    },
    intervalMs: 600_000,
    retryAfterMs: 6 * 3600_000,
  });
  // One scan every 10 minutes for 17 hours: CP-MUTE after 20, 40, 80, 160, 320 minutes, then every 6 hours.
  const mutedAt: number[] = [];
  const start = clock.now.getTime();
  for (let minute = 0; minute <= 17 * 60; minute += 10) {
    clock.now = new Date(start + minute * 60_000);
    asked.length = 0;
    await renewal.scan();
    if (asked.includes("CP-MUTE")) mutedAt.push(minute);
    assert(asked.includes("CP-LOST"), `CP-LOST is asked at every scan (minute ${minute})`);
  }
  assertEquals(mutedAt, [0, 20, 60, 140, 300, 620, 980]);
  const muted = (await pki.currentCertificate("CP-MUTE"))!;
  assertEquals(muted.renewalUnanswered, 7);
  assertEquals(muted.renewalRequestedAt, null, "never asked: it never answered");
  await renewal.stop();
});

Deno.test("CertificateRenewal's timed scans report their failures to onError and the next one that works to onScanned", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const pki = await StationPki.open({
      store: new KvPkiStore(kv),
      now: () => new Date("2024-05-01T00:00:00Z"),
      settings: { certificateValidityDays: 10, renewBeforeDays: 3 },
    });
    const seen: string[] = [];
    const recovered = Promise.withResolvers<void>();
    let scans = 0;
    const renewal = new CertificateRenewal({
      pki,
      stationsHere: () => {
        if (++scans <= 2) throw new Error("Cannot list the stations here");
        return [];
      },
      isConnected: () => true,
      trigger: () => Promise.resolve("accepted"),
      intervalMs: 5,
      onError: (error) => seen.push(`error: ${(error as Error).message}`),
      onScanned: () => {
        seen.push("scanned");
        recovered.resolve();
      },
    });
    renewal.start();
    try {
      await within(recovered.promise, 5_000, "a timed scan that works");
    } finally {
      await renewal.stop();
    }
    assertEquals(seen.slice(0, 3), [
      "error: Cannot list the stations here",
      "error: Cannot list the stations here",
      "scanned",
    ]);
  } finally {
    kv.close();
  }
});

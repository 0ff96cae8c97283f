/**
 * The EnergyStore contract, run against each implementation (`kv/energy_test.ts`, `postgres/energy_test.ts`).
 *
 * @example
 * ```ts ignore
 * energyContract("kv", async () => ({ store: await openKvEnergyStore(":memory:"), cleanup: async () => {} }));
 * ```
 */
import { assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import type { StoredChargingProfile } from "../../model/charging_profile.ts";
import type { SiteRecord, SiteSample } from "../../model/site.ts";
import { type EnergyStore, SiteConflictError } from "../energy.ts";

export interface EnergyContractHandle {
  /** A fresh, empty store. The suite closes it. */
  store: EnergyStore;
  cleanup: () => Promise<void>;
}

export type OpenEnergyStore = (options: { sampleRetentionMs?: number }) => Promise<EnergyContractHandle>;

const T0 = "2025-03-01T10:00:00.000Z";

function at(seconds: number): string {
  return new Date(Date.parse(T0) + seconds * 1000).toISOString();
}

function site(siteId: string, chargePointIds: string[], overrides: Partial<SiteRecord> = {}): SiteRecord {
  return {
    siteId,
    name: `Site ${siteId}`,
    maxCurrentA: 32,
    chargePointIds,
    stationMaxCurrentA: 32,
    updatedBy: "user:root",
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function sample(siteId: string, seconds: number): SiteSample {
  return {
    siteId,
    at: at(seconds),
    limitA: 32,
    fixedA: 0,
    allocatedA: 16,
    measuredA: 12.5,
    chargers: [{
      chargePointId: "CP-1",
      connectorId: 1,
      transactionId: 7,
      kind: "allocated",
      limitA: 16,
      appliedA: 16,
      measuredA: 12.5,
    }],
  };
}

/** A stored TxDefaultProfile of 16.5 A (also used by the KV store's own tests). */
export function profile(chargePointId: string, id: number, connectorId = 1): StoredChargingProfile {
  return {
    chargePointId,
    connectorId,
    chargingProfileId: id,
    stackLevel: 1,
    chargingProfilePurpose: "TxDefaultProfile",
    transactionId: null,
    profile: {
      chargingProfileId: id,
      stackLevel: 1,
      chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Relative",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.5 }] },
    },
    source: "api",
    state: "installed",
    requestedBy: "user:root",
    updatedAt: T0,
  };
}

export function energyContract(
  name: string,
  open: OpenEnergyStore,
  options: { ignore?: boolean } = {},
): void {
  const test = (title: string, fn: (store: EnergyStore) => Promise<void>, retentionMs?: number) =>
    Deno.test({
      name: `EnergyStore (${name}): ${title}`,
      ignore: options.ignore ?? false,
      fn: async () => {
        const handle = await open(retentionMs === undefined ? {} : { sampleRetentionMs: retentionMs });
        try {
          await fn(handle.store);
        } finally {
          await handle.store.close();
          await handle.cleanup();
        }
      },
    });

  test("a site reads back as written, and a later put replaces it and its stations", async (store) => {
    await store.putSite(site("depot", ["CP-1", "CP-2"]));
    assertEquals(await store.getSite("depot"), site("depot", ["CP-1", "CP-2"]));
    const changed = site("depot", ["CP-2", "CP-3"], { name: "Depot", maxCurrentA: 16.5, updatedAt: at(5) });
    await store.putSite(changed);
    assertEquals(await store.getSite("depot"), changed);
    assertEquals(await store.siteOfChargePoint("CP-1"), null);
    assertEquals(await store.siteOfChargePoint("CP-3"), "depot");
    assertEquals(await store.getSite("nowhere"), null);
  });

  test("a station belongs to one site: claiming it for another is refused and changes nothing", async (store) => {
    await store.putSite(site("a", ["CP-1", "CP-2"]));
    await store.putSite(site("b", ["CP-3"]));
    const error = await store.putSite(site("b", ["CP-3", "CP-2"], { name: "B2" })).catch((e) => e);
    assertInstanceOf(error, SiteConflictError);
    assertEquals([error.chargePointId, error.otherSiteId], ["CP-2", "a"]);
    assertEquals(await store.getSite("b"), site("b", ["CP-3"]));
    await assertRejects(() => store.putSite(site("c", ["CP-1"])), SiteConflictError);
    assertEquals(await store.getSite("c"), null);
    assertEquals(await store.siteOfChargePoint("CP-2"), "a");
  });

  test("two sites claiming the same station at once: one wins, the other is refused", async (store) => {
    const results = await Promise.allSettled([
      store.putSite(site("a", ["CP-1", "CP-2"])),
      store.putSite(site("b", ["CP-2", "CP-3"])),
    ]);
    assertEquals(results.filter((r) => r.status === "fulfilled").length, 1);
    const winner = results[0]!.status === "fulfilled" ? "a" : "b";
    assertEquals(await store.siteOfChargePoint("CP-2"), winner);
    assertEquals(await store.getSite(winner === "a" ? "b" : "a"), null);
  });

  test("a deleted site frees its stations and forgets its samples", async (store) => {
    await store.putSite(site("a", ["CP-1"]));
    await store.appendSiteSample(sample("a", 1));
    assertEquals(await store.deleteSite("a"), true);
    assertEquals(await store.deleteSite("a"), false);
    assertEquals(await store.siteOfChargePoint("CP-1"), null);
    await store.putSite(site("a", ["CP-1"]));
    assertEquals(await store.listSiteSamples("a", { limit: 10 }), []);
    await store.putSite(site("b", ["CP-2"]));
  });

  test("sites list in code point order, paged", async (store) => {
    for (const id of ["b", "a", "B", "c-1"]) await store.putSite(site(id, []));
    const first = await store.listSites({ limit: 2 });
    assertEquals(first.map((s) => s.siteId), ["B", "a"]);
    const rest = await store.listSites({ limit: 10, after: "a" });
    assertEquals(rest.map((s) => s.siteId), ["b", "c-1"]);
    assertEquals(rest[0]?.chargePointIds, []);
  });

  test("samples list newest first with a before cursor; one at the same time replaces", async (store) => {
    await store.putSite(site("a", ["CP-1"]));
    for (const s of [1, 3, 2]) await store.appendSiteSample(sample("a", s));
    await store.appendSiteSample({ ...sample("a", 3), limitA: 20 });
    const all = await store.listSiteSamples("a", { limit: 10 });
    assertEquals(all.map((s) => [s.at, s.limitA]), [[at(3), 20], [at(2), 32], [at(1), 32]]);
    assertEquals(all[1], sample("a", 2));
    assertEquals((await store.listSiteSamples("a", { limit: 1, before: at(3) })).map((s) => s.at), [at(2)]);
  });

  test("samples older than the retention are forgotten as new ones arrive", async (store) => {
    await store.putSite(site("a", ["CP-1"]));
    await store.putSite(site("b", ["CP-2"]));
    await store.appendSiteSample(sample("b", 0));
    for (const s of [0, 30, 60, 90]) await store.appendSiteSample(sample("a", s));
    assertEquals((await store.listSiteSamples("a", { limit: 10 })).map((s) => s.at), [
      at(90),
      at(60),
      at(30),
    ]);
    assertEquals((await store.listSiteSamples("b", { limit: 10 })).length, 1, "another site's samples stay");
  }, 60_000);

  test("charging profiles: put, replace and remove in one call, listed by connector and id", async (store) => {
    await store.updateChargingProfiles("CP-1", {
      remove: [],
      put: [profile("CP-1", 5, 2), profile("CP-1", 3, 1)],
    });
    await store.updateChargingProfiles("CP-2", { remove: [], put: [profile("CP-2", 3, 1)] });
    assertEquals((await store.listChargingProfiles("CP-1")).map((p) => p.chargingProfileId), [3, 5]);
    const replaced = { ...profile("CP-1", 5, 0), state: "pending" as const, transactionId: 9 };
    await store.updateChargingProfiles("CP-1", { remove: [3, 5], put: [replaced, profile("CP-1", 8, 1)] });
    assertEquals(await store.listChargingProfiles("CP-1"), [replaced, profile("CP-1", 8, 1)]);
    assertEquals(await store.listChargingProfiles("CP-2"), [profile("CP-2", 3, 1)]);
    await store.updateChargingProfiles("CP-1", { remove: [5, 8, 99], put: [] });
    assertEquals(await store.listChargingProfiles("CP-1"), []);
  });

  test("sites and profiles of many stations asked at once: each station gets its own", async (store) => {
    await store.putSite(site("a", ["CP-1", "CP-3"]));
    await store.putSite(site("b", ["CP-2"]));
    await store.updateChargingProfiles("CP-1", {
      remove: [],
      put: [profile("CP-1", 5, 2), profile("CP-1", 3, 1)],
    });
    await store.updateChargingProfiles("CP-3", { remove: [], put: [profile("CP-3", 3, 1)] });
    const ids = ["CP-3", "CP-4", "CP-1", "CP-2", "CP-1"];
    assertEquals(await Promise.all(ids.map((id) => store.siteOfChargePoint(id))), ["a", null, "a", "b", "a"]);
    assertEquals(
      (await Promise.all(ids.map((id) => store.listChargingProfiles(id)))).map((l) =>
        l.map((p) => [p.chargePointId, p.chargingProfileId])
      ),
      [[["CP-3", 3]], [], [["CP-1", 3], ["CP-1", 5]], [], [["CP-1", 3], ["CP-1", 5]]],
    );
  });

  test("a profile change naming another station is refused", async (store) => {
    await assertRejects(() =>
      store.updateChargingProfiles("CP-1", { remove: [], put: [profile("CP-2", 1)] })
    );
    assertEquals(await store.listChargingProfiles("CP-2"), []);
  });

  test("changes of a station's profile support set only their facts, also when made at once", async (store) => {
    await store.changeChargingProfileSupport("CP-1", { stationDefaultRejected: true }, T0);
    assertEquals(await store.getChargingProfileSupport("CP-1"), {
      chargePointId: "CP-1",
      refusedReason: null,
      txDefaultOnly: false,
      stationDefaultRejected: true,
      unanswered: null,
      updatedAt: T0,
    });
    await Promise.all([
      store.changeChargingProfileSupport("CP-1", { txDefaultOnly: true }, at(1)),
      store.changeChargingProfileSupport("CP-1", { refusedReason: "Rejected" }, at(1)),
      store.changeChargingProfileSupport("CP-1", { unanswered: { runs: 3, until: at(60) } }, at(1)),
    ]);
    assertEquals(await store.getChargingProfileSupport("CP-1"), {
      chargePointId: "CP-1",
      refusedReason: "Rejected",
      txDefaultOnly: true,
      stationDefaultRejected: true,
      unanswered: { runs: 3, until: at(60) },
      updatedAt: at(1),
    });
    await store.changeChargingProfileSupport(
      "CP-1",
      { unanswered: null, stationDefaultRejected: false },
      at(2),
    );
    const after = await store.getChargingProfileSupport("CP-1");
    assertEquals([after?.unanswered, after?.stationDefaultRejected, after?.txDefaultOnly], [
      null,
      false,
      true,
    ]);
  });

  test("an unanswered run is counted in one step, from a clearing made meanwhile, and benches from benchFrom", async (store) => {
    const run = (at: string) => ({ at, benchFrom: 3, benchedUntil: at60 });
    const at60 = at(60);
    assertEquals(await store.countUnansweredRun("CP-1", run(T0)), { runs: 1, until: null });
    // Two counts at once (two divisions, a lease lapsed) are two runs.
    await Promise.all([
      store.countUnansweredRun("CP-1", run(at(1))),
      store.countUnansweredRun("CP-1", run(at(1))),
    ]);
    const support = await store.getChargingProfileSupport("CP-1");
    assertEquals([support?.unanswered, support?.updatedAt], [{ runs: 3, until: at60 }, at(1)]);
    // Cleared by a reconnect: counting starts again, the other facts stay.
    await store.changeChargingProfileSupport("CP-1", { unanswered: null, txDefaultOnly: true }, at(2));
    assertEquals(await store.countUnansweredRun("CP-1", run(at(3))), { runs: 1, until: null });
    assertEquals((await store.getChargingProfileSupport("CP-1"))?.txDefaultOnly, true);
  });

  test("whether a station takes profiles reads back as written", async (store) => {
    assertEquals(await store.getChargingProfileSupport("CP-1"), null);
    const first = {
      chargePointId: "CP-1",
      refusedReason: "NotSupported",
      txDefaultOnly: false,
      stationDefaultRejected: true,
      unanswered: { runs: 3, until: at(60) },
      updatedAt: T0,
    };
    await store.putChargingProfileSupport(first);
    assertEquals(await store.getChargingProfileSupport("CP-1"), first);
    const later = { ...first, refusedReason: null, txDefaultOnly: true, updatedAt: at(1) };
    await store.putChargingProfileSupport({ ...later, unanswered: { runs: 1, until: null } });
    assertEquals(await store.getChargingProfileSupport("CP-1"), {
      ...later,
      unanswered: { runs: 1, until: null },
    });
    await store.putChargingProfileSupport({ ...later, stationDefaultRejected: false, unanswered: null });
    assertEquals(
      await store.getChargingProfileSupport("CP-1"),
      { ...later, stationDefaultRejected: false, unanswered: null },
    );
  });
}

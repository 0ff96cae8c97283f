import { assert, assertEquals } from "@std/assert";
import { AnswerLostError, NodeLostError, NotConnectedError } from "../actors/errors.ts";
import { createMemoryLogger } from "../logger.ts";
import type { ExternalChargingLimit } from "../model/charging_reports.ts";
import type { SiteRecord, SiteSample } from "../model/site.ts";
import type { RequestOf, ResponseOf } from "../protocol/ocpp16/mod.ts";
import { type KvEnergyStore, openKvEnergyStore } from "../store/kv/energy.ts";
import type { EnergyStore } from "../store/energy.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import { currentRow } from "../tests/helpers/meter_rows.ts";
import {
  ChargingProfileService,
  type ProfileAction,
  type StationCommands,
} from "./charging_profile_service.ts";
import { type ActiveTransaction, LoadManager, type LoadSettings, type SiteLocks } from "./load_manager.ts";

const T0 = Date.parse("2025-03-01T12:00:00.000Z");
const SETTINGS: LoadSettings = {
  minCurrentA: 6,
  headroomA: 2,
  measurementMaxAgeS: 180,
  minChangeA: 1,
  stackLevel: 1,
  profileIdBase: 900000,
  offlineLeaseS: 600,
  rebalanceIntervalS: 60,
  txDefaultLimitA: 0,
  debounceMs: 10,
};

interface Frame {
  seq: number;
  chargePointId: string;
  action: ProfileAction;
  payload: RequestOf<"SetChargingProfile">;
}

/** Stations that apply what they accept; each may reject TxProfiles or everything, or be offline. */
class Fleet implements StationCommands {
  frames: Frame[] = [];
  connected = new Set<string>();
  rejects = new Map<string, "TxProfile" | "all">();
  /** The latest TxProfile (or per-connector TxDefaultProfile) limit each station accepted, by `cp/connector`. */
  limits = new Map<string, number>();
  #seq = 0;

  call<A extends ProfileAction>(id: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> {
    if (!this.connected.has(id)) return Promise.reject(new NotConnectedError(id, action));
    const request = payload as RequestOf<"SetChargingProfile">;
    this.frames.push({ seq: ++this.#seq, chargePointId: id, action, payload: request });
    if (action !== "SetChargingProfile") return Promise.resolve({ status: "Accepted" } as ResponseOf<A>);
    const purpose = request.csChargingProfiles.chargingProfilePurpose;
    const rejects = this.rejects.get(id);
    if (rejects === "all" || (rejects === "TxProfile" && purpose === "TxProfile")) {
      return Promise.resolve({ status: "Rejected" } as ResponseOf<A>);
    }
    if (request.connectorId > 0) {
      this.limits.set(
        `${id}/${request.connectorId}`,
        request.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit,
      );
    }
    return Promise.resolve({ status: "Accepted" } as ResponseOf<A>);
  }

  isConnected(id: string): boolean {
    return this.connected.has(id);
  }

  /** What the stations may draw together: the accepted limit of each running session. */
  sum(sessions: Iterable<string>): number {
    let total = 0;
    for (const s of sessions) total += this.limits.get(s) ?? 0;
    return Math.round(total * 10) / 10;
  }
}

/** Timers the test fires by hand. */
class ManualScheduler {
  timers = new Map<number, { ms: number; fn: () => void }>();
  #next = 0;
  after(ms: number, fn: () => void): number {
    this.timers.set(++this.#next, { ms, fn });
    return this.#next;
  }
  cancel(handle: number): void {
    this.timers.delete(handle);
  }
  /** Fires every pending timer once. */
  fire(): void {
    const due = [...this.timers.values()];
    this.timers.clear();
    for (const t of due) t.fn();
  }
}

async function setup(
  limitA = 32,
  stations = ["CP-1", "CP-2", "CP-3", "CP-4"],
  locks?: SiteLocks,
  /** The store as load management sees it (a test steps between its calls). */
  seen: (store: KvEnergyStore) => EnergyStore = (store) => store,
) {
  const kvStore = await openKvEnergyStore(":memory:");
  const store = seen(kvStore);
  const fleet = new Fleet();
  for (const id of stations) fleet.connected.add(id);
  let now = T0;
  const clock = () => new Date(now);
  const transactions = new Map<string, ActiveTransaction[]>();
  const meters = new Map<string, MeterValueRow[]>();
  const lastSeen = new Map<string, string>();
  const externalLimits = new Map<string, ExternalChargingLimit[]>();
  const samples: SiteSample[] = [];
  const scheduler = new ManualScheduler();
  /** Load management of one process; a cluster's other nodes have theirs, on the same store and stations. */
  const newManager = () =>
    new LoadManager({
      store,
      profiles: new ChargingProfileService({
        store,
        commands: fleet,
        commandLog: { appendCommandLog: () => Promise.resolve(), listCommandLog: () => Promise.resolve([]) },
        now: clock,
        newId: () => crypto.randomUUID(),
      }),
      settings: SETTINGS,
      now: clock,
      scheduler,
      logger: createMemoryLogger("error"),
      publish: (s) => samples.push(s),
      ...(locks ? { locks } : {}),
      sources: {
        activeTransactions: (id) => Promise.resolve(transactions.get(id) ?? []),
        recentMeterValues: (id) => Promise.resolve(meters.get(id) ?? []),
        station: (id) =>
          Promise.resolve({
            lastSeen: lastSeen.get(id) ?? null,
            externalLimits: externalLimits.get(id) ?? [],
          }),
        isConnected: (id) => fleet.isConnected(id),
      },
    });
  const manager = newManager();
  const site: SiteRecord = {
    siteId: "depot",
    name: "Depot",
    maxCurrentA: limitA,
    chargePointIds: stations,
    stationMaxCurrentA: 32,
    updatedBy: "user:root",
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
  };
  await store.putSite(site);
  let nextTx = 100;
  return {
    store,
    fleet,
    manager,
    newManager,
    scheduler,
    samples,
    transactions,
    meters,
    lastSeen,
    externalLimits,
    site,
    advance(ms: number) {
      now += ms;
    },
    start(id: string, connectorId = 1) {
      now += 1000;
      const tx = { transactionId: ++nextTx, connectorId, startedAt: new Date(now).toISOString() };
      transactions.set(id, [...(transactions.get(id) ?? []), tx]);
      return tx;
    },
    running(): string[] {
      return [...transactions].flatMap(([id, txs]) => txs.map((t) => `${id}/${t.connectorId}`));
    },
    async [Symbol.asyncDispose]() {
      await manager.close();
      await kvStore.close();
    },
  };
}

/** The TxProfile limits sent in one run, in the order the stations saw them. */
function txFrames(frames: Frame[]) {
  return frames.filter((f) => f.payload.csChargingProfiles.chargingProfilePurpose === "TxProfile").map((
    f,
  ) => ({
    seq: f.seq,
    session: `${f.chargePointId}/${f.payload.connectorId}`,
    limit: f.payload.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit,
  }));
}

Deno.test("LoadManager: sessions starting one by one share 32 A, the sum of accepted limits never above it", async () => {
  await using t = await setup();
  const expected = [[32], [16, 16], [10.7, 10.7, 10.6], [8, 8, 8, 8]];
  for (const [i, id] of ["CP-1", "CP-2", "CP-3", "CP-4"].entries()) {
    t.start(id);
    const before = t.fleet.frames.length;
    await t.manager.run("depot");
    // Replay this run's frames in order: at no point may the accepted limits add up to more than the site.
    const limits = new Map(t.fleet.limits);
    for (const s of t.running()) if (!limits.has(s)) limits.set(s, 0);
    for (const f of txFrames(t.fleet.frames.slice(before))) {
      limits.set(f.session, f.limit);
      const sum = [...limits.values()].reduce((a, b) => a + b, 0);
      assert(sum <= 32 + 1e-9, `after frame ${f.seq} the stations may draw ${sum} A`);
    }
    assertEquals(t.running().map((s) => t.fleet.limits.get(s)), expected[i]);
  }
  const sample = t.samples.at(-1)!;
  assertEquals([sample.limitA, sample.allocatedA, sample.chargers.length], [32, 32, 4]);
  assertEquals(sample.chargers.map((c) => c.appliedA), [8, 8, 8, 8]);
  // Every station got load management's TxDefaultProfile (0 A) first.
  for (const id of ["CP-1", "CP-2", "CP-3", "CP-4"]) {
    const first = t.fleet.frames.find((f) => f.chargePointId === id)!;
    assertEquals(first.payload.csChargingProfiles.chargingProfilePurpose, "TxDefaultProfile");
    assertEquals(first.payload.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!.limit, 0);
  }
});

Deno.test("LoadManager: a lower site limit lowers everyone before anyone is raised; a stop raises the others", async () => {
  await using t = await setup();
  for (const id of ["CP-1", "CP-2", "CP-3"]) {
    t.start(id);
    await t.manager.run("depot");
  }
  // CP-3 draws little: its cap is 5 + 2, the others share the rest.
  t.advance(5000);
  t.meters.set("CP-3", [
    currentRow(new Date(T0 + 8000).toISOString(), "5", { chargePointId: "CP-3", transactionId: 103 }),
  ]);
  await t.manager.run("depot");
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [12.5, 12.5, 7]);

  await t.store.putSite({ ...t.site, maxCurrentA: 21 });
  let before = t.fleet.frames.length;
  await t.manager.run("depot");
  const frames = txFrames(t.fleet.frames.slice(before));
  // 21 A: 7 each; CP-3 is already at 7 and gets nothing; the two others are lowered (together: in either order).
  assertEquals(frames.map((f) => [f.session, f.limit]).sort(), [["CP-1/1", 7], ["CP-2/1", 7]]);

  t.transactions.set("CP-1", []);
  await t.manager.transactionEnded("CP-1", { transactionId: 101, connectorId: 1 });
  t.fleet.limits.delete("CP-1/1");
  before = t.fleet.frames.length;
  await t.manager.run("depot");
  assertEquals(txFrames(t.fleet.frames.slice(before)).map((f) => [f.session, f.limit]), [["CP-2/1", 14]]);
});

Deno.test("LoadManager: with a new session and a lower limit at once, every decrease is sent before the first increase", async () => {
  await using t = await setup(32, ["CP-1", "CP-2", "CP-3"]);
  t.start("CP-1");
  t.start("CP-2");
  await t.manager.run("depot");
  t.start("CP-3");
  await t.store.putSite({ ...t.site, chargePointIds: ["CP-1", "CP-2", "CP-3"], maxCurrentA: 20 });
  t.fleet.limits.set("CP-3/1", 0);
  const before = t.fleet.frames.length;
  await t.manager.run("depot");
  const frames = txFrames(t.fleet.frames.slice(before));
  const firstRaise = frames.findIndex((f) => f.session === "CP-3/1");
  assert(firstRaise > 0 && frames.slice(0, firstRaise).every((f) => f.limit < 16), JSON.stringify(frames));
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [6.7, 6.7, 6.6]);
});

Deno.test("LoadManager: a station that rejects TxProfiles gets a TxDefaultProfile on the connector; one that rejects all counts at its maximum", async () => {
  await using t = await setup(40, ["CP-1", "CP-2", "CP-3"]);
  t.fleet.rejects.set("CP-2", "TxProfile");
  for (const id of ["CP-1", "CP-2"]) t.start(id);
  await t.manager.run("depot");
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [20, 20]);
  assertEquals((await t.store.getChargingProfileSupport("CP-2"))?.txDefaultOnly, true);

  t.fleet.rejects.set("CP-3", "all");
  t.start("CP-3");
  await t.manager.run("depot");
  await t.manager.run("depot");
  assertEquals((await t.store.getChargingProfileSupport("CP-3"))?.refusedReason, "Rejected");
  // CP-3 may draw its 32 A: the other two share the 8 A left, 6 A minimum each... only one fits.
  const sample = t.samples.at(-1)!;
  assertEquals(sample.chargers.map((c) => [c.chargePointId, c.kind, c.limitA]), [
    ["CP-1", "allocated", 8],
    ["CP-2", "waiting", 0],
    ["CP-3", "refuses", 32],
  ]);
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [8, 0, undefined]);
});

Deno.test("LoadManager: an offline station's limit stays counted until its lease ends, then goes to the others", async () => {
  await using t = await setup(32, ["CP-1", "CP-2"]);
  t.start("CP-1");
  t.start("CP-2");
  await t.manager.run("depot");
  t.fleet.connected.delete("CP-2");
  t.lastSeen.set("CP-2", new Date(T0 + 2000).toISOString());
  await t.manager.run("depot");
  assertEquals(t.samples.at(-1)!.chargers.map((c) => [c.kind, c.limitA]), [
    ["allocated", 16],
    ["offline", 16],
  ]);
  t.advance(600_000);
  await t.manager.run("depot");
  assertEquals(t.samples.at(-1)!.chargers.map((c) => c.kind), ["allocated", "released"]);
  assertEquals(t.fleet.limits.get("CP-1/1"), 32);
});

Deno.test("LoadManager: a decrease that is not accepted stops the rollout before any increase", async () => {
  await using t = await setup(32, ["CP-1", "CP-2", "CP-3"]);
  t.start("CP-1");
  t.start("CP-2");
  await t.manager.run("depot");
  // CP-2 stops answering: its decrease fails, so CP-3 (waiting at 0 A) must not be raised.
  t.start("CP-3");
  const realCall = t.fleet.call.bind(t.fleet);
  t.fleet.call =
    ((id: string, action: ProfileAction, payload: never) =>
      id === "CP-2"
        ? Promise.reject(new Error("timeout"))
        : realCall(id, action, payload)) as typeof t.fleet.call;
  const before = t.fleet.frames.length;
  await t.manager.run("depot");
  const frames = txFrames(t.fleet.frames.slice(before));
  assert(frames.every((f) => f.session !== "CP-3/1"), JSON.stringify(frames));
});

Deno.test("LoadManager: triggers that arrive together share one run; one during a run makes one more follow", async () => {
  await using t = await setup();
  t.start("CP-1");
  for (const id of ["CP-1", "CP-2", "CP-1"]) await t.manager.stationChanged(id);
  assertEquals([...t.scheduler.timers.values()].map((x) => x.ms), [SETTINGS.debounceMs]);
  t.scheduler.fire();
  await t.manager.whenIdle();
  assertEquals(t.samples.length, 1, "one run for three triggers");

  // A trigger while a run is in progress: that run is followed by exactly one more.
  t.start("CP-2");
  const running = t.manager.run("depot");
  await t.manager.stationChanged("CP-2");
  await t.manager.stationChanged("CP-3");
  await running;
  assertEquals(t.samples.length, 3);
  assertEquals(t.scheduler.timers.size, 0);
});

Deno.test("LoadManager: an offline station's lease end is a timer, and a station outside any site triggers nothing", async () => {
  await using t = await setup(32, ["CP-1", "CP-2"]);
  t.start("CP-1");
  t.start("CP-2");
  t.fleet.connected.delete("CP-2");
  t.lastSeen.set("CP-2", new Date(T0 + 2000).toISOString());
  await t.manager.run("depot");
  const leases = [...t.scheduler.timers.values()].map((x) => x.ms);
  assertEquals(leases.length, 1);
  assert(leases[0]! > 590_000 && leases[0]! <= 600_001, String(leases));
  t.scheduler.timers.clear();
  await t.manager.stationChanged("CP-NOT-IN-A-SITE");
  assertEquals(t.scheduler.timers.size, 0);
});

Deno.test("LoadManager: an external limit a station reported caps its session; the others get the rest until it runs out", async () => {
  await using t = await setup(32, ["CP-1", "CP-2"]);
  t.start("CP-1");
  t.start("CP-2");
  await t.manager.run("depot");
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [16, 16]);
  // The grid operator holds CP-2's EVSE 1 at 10 A for the next hour (received now).
  t.externalLimits.set("CP-2", [{
    evseId: 1,
    chargingLimitSource: "SO",
    isGridCritical: true,
    at: new Date(T0).toISOString(),
    chargingSchedule: [{
      id: 1,
      duration: 3600,
      chargingRateUnit: "A",
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }],
    }],
  }]);
  await t.manager.run("depot");
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [22, 10]);
  // An hour later the schedule has run out: equal shares again.
  t.advance(3_600_000);
  await t.manager.run("depot");
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [16, 16]);
});

Deno.test("LoadManager: a store that cannot list the sites at a tick is tried again at the next, never an unhandled rejection", async () => {
  await using t = await setup();
  const listSites = t.store.listSites.bind(t.store);
  t.store.listSites = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
  t.manager.start();
  t.scheduler.fire();
  // Let the failed listing settle: a rejection nobody handles would fail this test (and end a server).
  await new Promise((r) => setTimeout(r, 10));
  t.store.listSites = listSites;
  const tick = [...t.scheduler.timers.values()];
  assertEquals(tick.length, 1, "the next tick is scheduled");
  t.scheduler.fire();
  await new Promise((r) => setTimeout(r, 10));
  assertEquals([...t.scheduler.timers.values()].some((x) => x.ms === 0), true, "the site is scheduled again");
});

Deno.test("LoadManager: a TxProfile stored for a transaction that ended does not count for the connector's next one", async () => {
  await using t = await setup(32, ["CP-1", "CP-2"]);
  t.start("CP-1");
  const first = t.start("CP-2");
  await t.manager.run("depot");
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [16, 16]);
  // CP-2's transaction ended as its TxProfile was being stored: the record still holds it (a race).
  t.transactions.set("CP-2", []);
  assert((await t.store.listChargingProfiles("CP-2")).some((s) => s.transactionId === first.transactionId));
  const next = t.start("CP-2");
  const before = t.fleet.frames.length;
  await t.manager.run("depot");
  const sent = t.fleet.frames.slice(before).filter((f) => f.chargePointId === "CP-2");
  assertEquals(
    sent.map((f) => [
      f.payload.csChargingProfiles.transactionId,
      f.payload.csChargingProfiles.chargingSchedule
        .chargingSchedulePeriod[0]!.limit,
    ]),
    [[next.transactionId, 16]],
    "the new transaction gets its own TxProfile (it was left at the 0 A default)",
  );
  assertEquals(t.samples.at(-1)!.chargers.map((c) => [c.chargePointId, c.appliedA]), [["CP-1", 16], [
    "CP-2",
    16,
  ]]);
  // Ended with no next one: the record forgets its TxProfile too (the station keeps nothing of it).
  t.transactions.set("CP-2", []);
  await t.manager.run("depot");
  const txProfiles = (await t.store.listChargingProfiles("CP-2")).filter((s) => s.transactionId !== null);
  assertEquals(txProfiles, [], "an ended transaction's TxProfile is forgotten");
});

Deno.test("LoadManager: a TxProfile rejected because its transaction just ended does not turn the station to TxDefaultProfiles", async () => {
  await using t = await setup(32, ["CP-1", "CP-2"]);
  t.start("CP-1");
  await t.manager.run("depot");
  t.start("CP-2");
  // CP-1's decrease reaches it just after its transaction stopped: a correct station rejects it.
  const realCall = t.fleet.call.bind(t.fleet);
  t.fleet.call = ((id: string, action: ProfileAction, payload: RequestOf<"SetChargingProfile">) => {
    if (id === "CP-1" && payload.csChargingProfiles?.chargingProfilePurpose === "TxProfile") {
      t.transactions.set("CP-1", []);
      t.fleet.frames.push({ seq: 0, chargePointId: id, action, payload });
      return Promise.resolve({ status: "Rejected" });
    }
    return realCall(id, action, payload as never);
  }) as typeof t.fleet.call;
  const before = t.fleet.frames.length;
  await t.manager.run("depot");
  const toCp1 = t.fleet.frames.slice(before).filter((f) => f.chargePointId === "CP-1");
  assertEquals(toCp1.map((f) => f.payload.csChargingProfiles.chargingProfilePurpose), ["TxProfile"]);
  assertEquals((await t.store.getChargingProfileSupport("CP-1"))?.txDefaultOnly ?? false, false);
});

Deno.test("LoadManager: a station on connector TxDefaultProfiles gets the station default back when its session ends", async () => {
  await using t = await setup(32, ["CP-1", "CP-2"]);
  t.fleet.rejects.set("CP-2", "TxProfile");
  t.start("CP-1");
  const tx = t.start("CP-2");
  await t.manager.run("depot");
  assertEquals(t.fleet.limits.get("CP-2/1"), 16);
  t.transactions.set("CP-2", []);
  await t.manager.transactionEnded("CP-2", tx);
  // Its next session would otherwise draw the old 16 A at once, beside CP-1's raise to 32 A.
  assertEquals(t.fleet.limits.get("CP-2/1"), SETTINGS.txDefaultLimitA);
  const stored = (await t.store.listChargingProfiles("CP-2")).find((s) => s.chargingProfileId === 900101);
  assertEquals(stored?.profile.chargingSchedule.chargingSchedulePeriod[0]?.limit, 0);
});

Deno.test("LoadManager: a station that never answers its decrease is counted at its maximum after 3 runs, and the others get the rest", async () => {
  await using t = await setup(24, ["CP-1", "CP-2"]);
  await t.store.putSite({ ...t.site, maxCurrentA: 24, stationMaxCurrentA: 16 });
  t.start("CP-1");
  await t.manager.run("depot");
  assertEquals(t.fleet.limits.get("CP-1/1"), 16);
  const realCall = t.fleet.call.bind(t.fleet);
  t.fleet.call =
    ((id: string, action: ProfileAction, payload: never) =>
      id === "CP-1"
        ? Promise.reject(new Error("timeout"))
        : realCall(id, action, payload)) as typeof t.fleet.call;
  t.start("CP-2");
  for (let run = 1; run <= 3; run++) {
    await t.manager.run("depot");
    assertEquals(t.fleet.limits.get("CP-2/1") ?? 0, 0, `run ${run}: CP-1 may still draw 16 A`);
  }
  await t.manager.run("depot");
  assertEquals(t.fleet.limits.get("CP-2/1"), 8, "24 A less CP-1's 16");
  assertEquals(t.samples.at(-1)!.chargers.map((c) => [c.chargePointId, c.kind, c.limitA]), [
    ["CP-1", "refuses", 16],
    ["CP-2", "allocated", 8],
  ]);
  // Back and answering: steered again.
  t.fleet.call = realCall as typeof t.fleet.call;
  await t.manager.stationConnected("CP-1", false);
  await t.manager.run("depot");
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [12, 12]);
});

Deno.test("LoadManager: a reconnect that clears a station's unanswered runs while a division counts one more is not overwritten", async () => {
  /** Set when CP-1 leaves its step unanswered: the division counts that run next. */
  let counting = false;
  // A reconnect on another node clears the count while this one counts (after anything it read, before it wrote).
  const reconnectMeanwhile = (store: KvEnergyStore) =>
    store.changeChargingProfileSupport("CP-1", { unanswered: null }, new Date(T0).toISOString());
  await using t = await setup(24, ["CP-1", "CP-2"], undefined, (store) =>
    new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== "function") return value;
        if (key === "getChargingProfileSupport") {
          return async (id: string) => {
            const read = await value.call(target, id);
            if (counting && id === "CP-1") {
              counting = false;
              await reconnectMeanwhile(target);
            }
            return read;
          };
        }
        if (key === "countUnansweredRun") {
          return async (...args: unknown[]) => {
            if (counting) {
              counting = false;
              await reconnectMeanwhile(target);
            }
            return await value.apply(target, args);
          };
        }
        return value.bind(target);
      },
    }));
  await t.store.putSite({ ...t.site, maxCurrentA: 24, stationMaxCurrentA: 16 });
  t.start("CP-1");
  await t.manager.run("depot");
  const realCall = t.fleet.call.bind(t.fleet);
  t.fleet.call = ((id: string, action: ProfileAction, payload: never) => {
    if (id !== "CP-1") return realCall(id, action, payload);
    return Promise.reject(new Error("timeout"));
  }) as typeof t.fleet.call;
  t.start("CP-2");
  await t.manager.run("depot");
  await t.manager.run("depot");
  assertEquals((await t.store.getChargingProfileSupport("CP-1"))?.unanswered, { runs: 2, until: null });
  // The third unanswered run, with the reconnect's clearing amid its count: one run since it, not three.
  const unanswered = t.fleet.call;
  t.fleet.call = ((id: string, action: ProfileAction, payload: never) => {
    if (id === "CP-1") counting = true;
    return unanswered(id, action, payload);
  }) as typeof t.fleet.call;
  await t.manager.run("depot");
  assertEquals((await t.store.getChargingProfileSupport("CP-1"))?.unanswered, { runs: 1, until: null });
});

Deno.test("LoadManager: a station that rejects only the station-wide TxDefaultProfile is steered with TxProfiles, not counted at its maximum", async () => {
  await using t = await setup(32, ["CP-1", "CP-2"]);
  const realCall = t.fleet.call.bind(t.fleet);
  t.fleet.call = ((id: string, action: ProfileAction, payload: RequestOf<"SetChargingProfile">) => {
    if (id === "CP-1" && action === "SetChargingProfile" && payload.connectorId === 0) {
      t.fleet.frames.push({ seq: 0, chargePointId: id, action, payload });
      return Promise.resolve({ status: "Rejected" });
    }
    return realCall(id, action, payload as never);
  }) as typeof t.fleet.call;
  t.start("CP-1");
  t.start("CP-2");
  await t.manager.run("depot");
  await t.manager.run("depot");
  assertEquals((await t.store.getChargingProfileSupport("CP-1"))?.refusedReason ?? null, null);
  assertEquals(t.samples.at(-1)!.chargers.map((c) => [c.chargePointId, c.kind, c.limitA]), [
    ["CP-1", "allocated", 16],
    ["CP-2", "allocated", 16],
  ]);
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [16, 16]);
  const defaults = t.fleet.frames.filter((f) => f.chargePointId === "CP-1" && f.payload.connectorId === 0);
  assertEquals(defaults.length, 1, "asked once, not at every run");
});

/** Site locks of a cluster whose other process holds the sites in `heldElsewhere`. */
class FakeLocks implements SiteLocks {
  heldElsewhere = new Set<string>();
  turn = true;
  log: string[] = [];
  acquire(siteId: string): Promise<boolean> {
    const free = !this.heldElsewhere.has(siteId);
    this.log.push(`${free ? "acquired" : "busy"} ${siteId}`);
    return Promise.resolve(free);
  }
  release(siteId: string): Promise<void> {
    this.log.push(`released ${siteId}`);
    return Promise.resolve();
  }
  /** How many more times `stillHeld` answers true before the lock is lost to another process. */
  checksLeft = Number.POSITIVE_INFINITY;
  stillHeld(siteId: string): Promise<boolean> {
    const held = this.checksLeft-- > 0;
    this.log.push(`${held ? "still held" : "lost"} ${siteId}`);
    return Promise.resolve(held);
  }
  periodicTurn(): Promise<boolean> {
    return Promise.resolve(this.turn);
  }
  close(): Promise<void> {
    this.log.push("closed");
    return Promise.resolve();
  }
}

Deno.test("LoadManager: in a cluster, a site another process is dividing is divided after it, under the site's lock", async () => {
  const locks = new FakeLocks();
  await using t = await setup(32, ["CP-1", "CP-2"], locks);
  t.start("CP-1");
  locks.heldElsewhere.add("depot");
  await t.manager.run("depot");
  assertEquals([t.samples.length, t.fleet.frames.length], [0, 0], "nothing sent beside the other division");
  assertEquals([...t.scheduler.timers.values()].map((x) => x.ms), [1000], "tried again in a second");
  locks.heldElsewhere.delete("depot");
  t.scheduler.fire();
  await t.manager.whenIdle();
  assertEquals(t.samples.length, 1);
  assertEquals(t.fleet.limits.get("CP-1/1"), 32);
  assertEquals(locks.log, ["busy depot", "acquired depot", "still held depot", "released depot"]);
  await t.manager.close();
  assertEquals(locks.log.at(-1), "closed", "the periodic turn given up for the other processes");
});

Deno.test("LoadManager: in a cluster, only the process whose turn it is re-divides every site periodically", async () => {
  const locks = new FakeLocks();
  await using t = await setup(32, ["CP-1", "CP-2"], locks);
  locks.turn = false;
  t.manager.start();
  t.scheduler.fire();
  await new Promise((r) => setTimeout(r, 10));
  assertEquals([...t.scheduler.timers.values()].map((x) => x.ms), [SETTINGS.rebalanceIntervalS * 1000]);
  locks.turn = true;
  t.scheduler.fire();
  await new Promise((r) => setTimeout(r, 10));
  assertEquals([...t.scheduler.timers.values()].map((x) => x.ms).sort(), [
    0,
    SETTINGS.rebalanceIntervalS * 1000,
  ]);
});

Deno.test("LoadManager: in a cluster, what one node learnt of a station's answers holds when another divides its site", async () => {
  await using t = await setup(24, ["CP-1", "CP-2"]);
  const other = t.newManager();
  await t.store.putSite({ ...t.site, maxCurrentA: 24, stationMaxCurrentA: 16 });
  const realCall = t.fleet.call.bind(t.fleet);
  let defaultsToCp2 = 0;
  let cp1Silent = false;
  t.fleet.call = ((id: string, action: ProfileAction, payload: RequestOf<"SetChargingProfile">) => {
    if (id === "CP-1" && cp1Silent) return Promise.reject(new Error("timeout"));
    if (id === "CP-2" && action === "SetChargingProfile" && payload.connectorId === 0) {
      defaultsToCp2++;
      return Promise.resolve({ status: "Rejected" });
    }
    return realCall(id, action, payload as never);
  }) as typeof t.fleet.call;
  t.start("CP-1");
  await t.manager.run("depot");
  assertEquals(t.fleet.limits.get("CP-1/1"), 16);
  cp1Silent = true;
  t.start("CP-2");
  // Three runs on this node: CP-1 never answers, CP-2 rejected the station-wide default once.
  for (let run = 1; run <= 3; run++) await t.manager.run("depot");
  assertEquals(defaultsToCp2, 1);
  // The other node's first division counts CP-1 at its maximum and does not ask CP-2 again.
  await other.run("depot");
  assertEquals(t.fleet.limits.get("CP-2/1"), 8, "24 A less CP-1's 16");
  assertEquals(defaultsToCp2, 1, "the other node did not send the rejected default again");
  // CP-1 reconnects to the other node: both forget, and CP-1 is steered again.
  cp1Silent = false;
  await other.stationConnected("CP-1", false);
  await t.manager.run("depot");
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [12, 12]);
  await other.close();
});

Deno.test("LoadManager: in a cluster, a division whose lock another process took meanwhile sends no increase after its decreases", async () => {
  const locks = new FakeLocks();
  await using t = await setup(32, ["CP-1", "CP-2", "CP-3"], locks);
  t.start("CP-1");
  t.start("CP-2");
  await t.manager.run("depot");
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [16, 16]);
  // CP-3 starts; this process stands still after its decreases, past its lock's life: another divides the site
  // meanwhile (from the limits it found in the store), so what this one planned is stale.
  t.start("CP-3");
  const samples = t.samples.length;
  locks.checksLeft = 1;
  locks.log = [];
  const before = t.fleet.frames.length;
  await t.manager.run("depot");
  assertEquals(
    txFrames(t.fleet.frames.slice(before)).map((f) => [f.session, f.limit]),
    [["CP-1/1", 10.7], ["CP-2/1", 10.7]],
    "decreases only",
  );
  assertEquals(locks.log, ["acquired depot", "still held depot", "lost depot", "released depot"]);
  assertEquals(t.samples.length, samples, "no allocation published that was never rolled out");
  assertEquals([...t.scheduler.timers.values()].map((x) => x.ms), [1000], "divided again after the other");
});

Deno.test("LoadManager: in a cluster, a division that lost its lock before its rollout sends nothing", async () => {
  const locks = new FakeLocks();
  await using t = await setup(32, ["CP-1", "CP-2"], locks);
  t.start("CP-1");
  await t.manager.run("depot");
  t.start("CP-2");
  locks.checksLeft = 0;
  const before = t.fleet.frames.length;
  await t.manager.run("depot");
  assertEquals(txFrames(t.fleet.frames.slice(before)), []);
});

for (
  const lost of [
    (id: string) => new NodeLostError(id, "SetChargingProfile", `its node "node-b" stopped answering`),
    (id: string) => new AnswerLostError(id, "SetChargingProfile"),
  ]
) {
  const name = lost("CP-3").name;
  Deno.test(`LoadManager: a raise whose answer was lost (${name}) counts as in force: the station is lowered before anyone else is raised`, async () => {
    await using t = await setup(40, ["CP-1", "CP-2", "CP-3", "CP-4"]);
    for (const id of ["CP-1", "CP-2", "CP-3"]) t.start(id);
    await t.manager.run("depot");
    assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [13.4, 13.3, 13.3]);
    // CP-1 stops: CP-2 and CP-3 are raised to 20. CP-3 applies it, but its answer is lost (its node died with
    // it, or its connection closed after the CALL went out).
    t.transactions.set("CP-1", []);
    await t.manager.transactionEnded("CP-1", { transactionId: 101, connectorId: 1 });
    t.fleet.limits.delete("CP-1/1");
    const realCall = t.fleet.call.bind(t.fleet);
    t.fleet.call = (async (id: string, action: ProfileAction, payload: never) => {
      const answer = await realCall(id, action, payload);
      if (id === "CP-3") throw lost(id);
      return answer;
    }) as typeof t.fleet.call;
    await t.manager.run("depot");
    assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [20, 20], "CP-3 enforces 20 A");
    t.fleet.call = realCall;
    // CP-4 starts: CP-3 must come down from the 20 A it may enforce before CP-4 gets anything.
    t.start("CP-4");
    const before = t.fleet.frames.length;
    await t.manager.run("depot");
    const limits = new Map(t.fleet.limits);
    const replay = new Map([["CP-2/1", 20], ["CP-3/1", 20], ["CP-4/1", 0]]);
    for (const f of txFrames(t.fleet.frames.slice(before))) {
      replay.set(f.session, f.limit);
      const sum = [...replay.values()].reduce((a, b) => a + b, 0);
      assert(sum <= 40 + 1e-9, `after frame ${f.seq} the stations may draw ${sum} A`);
    }
    assertEquals(t.running().map((s) => limits.get(s)), [13.4, 13.3, 13.3]);
  });
}

Deno.test("LoadManager: in a cluster, a raise in flight when its node died counts as in force for the node that divides next", async () => {
  await using t = await setup(40, ["CP-1", "CP-2", "CP-3", "CP-4"]);
  for (const id of ["CP-1", "CP-2", "CP-3"]) t.start(id);
  await t.manager.run("depot");
  // CP-1 stops; this node raises CP-2 and CP-3 to 20 A. CP-3 applies it, and this node dies before the answer
  // comes (killed -9): it records nothing more, ever.
  t.transactions.set("CP-1", []);
  await t.manager.transactionEnded("CP-1", { transactionId: 101, connectorId: 1 });
  t.fleet.limits.delete("CP-1/1");
  const realCall = t.fleet.call.bind(t.fleet);
  let dead!: () => void;
  const never = new Promise<never>((_, reject) => (dead = () => reject(new Error("this node is dead"))));
  t.fleet.call = (async (id: string, action: ProfileAction, payload: never) => {
    const answer = await realCall(id, action, payload);
    if (id === "CP-3") return await never;
    return answer;
  }) as typeof t.fleet.call;
  const deadRun = t.manager.run("depot");
  await new Promise((r) => setTimeout(r, 20));
  assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [20, 20], "CP-3 enforces 20 A");
  t.fleet.call = realCall;
  // CP-4 starts; another node divides the site (the dead one's lock ran out).
  t.start("CP-4");
  const other = t.newManager();
  try {
    const before = t.fleet.frames.length;
    await other.run("depot");
    const replay = new Map([["CP-2/1", 20], ["CP-3/1", 20], ["CP-4/1", 0]]);
    for (const f of txFrames(t.fleet.frames.slice(before))) {
      replay.set(f.session, f.limit);
      const sum = [...replay.values()].reduce((a, b) => a + b, 0);
      assert(sum <= 40 + 1e-9, `after frame ${f.seq} the stations may draw ${sum} A`);
    }
    assertEquals(t.running().map((s) => t.fleet.limits.get(s)), [13.4, 13.3, 13.3]);
  } finally {
    await other.close();
    dead();
    await deadRun;
  }
});

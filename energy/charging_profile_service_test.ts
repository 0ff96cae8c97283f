import { assertEquals, assertRejects } from "@std/assert";
import { AnswerLostError, CallErrorResponse, NotConnectedError } from "../actors/errors.ts";
import type { ChargingProfile } from "../protocol/ocpp16/common.ts";
import type { RequestOf, ResponseOf } from "../protocol/ocpp16/mod.ts";
import { openKvEnergyStore } from "../store/kv/energy.ts";
import type { CommandLogEntry } from "../model/command_log.ts";
import {
  ChargingProfileService,
  type CommandLogRow,
  type ProfileAction,
  type StationCommands,
} from "./charging_profile_service.ts";
import { profileVersions } from "./profiles_asked.ts";

const NOW = new Date("2025-03-01T12:00:00.000Z");

function profile(
  id: number,
  purpose: ChargingProfile["chargingProfilePurpose"],
  limit: number,
  extra: Partial<ChargingProfile> = {},
): ChargingProfile {
  return {
    chargingProfileId: id,
    stackLevel: 0,
    chargingProfilePurpose: purpose,
    chargingProfileKind: "Relative",
    chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    ...extra,
  };
}

/** A station that answers from `answer` and remembers what it was sent. */
class FakeStation implements StationCommands {
  connected = true;
  sent: { action: ProfileAction; payload: unknown }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  answer: (action: ProfileAction, payload: unknown) => unknown = (action) =>
    action === "GetCompositeSchedule" ? { status: "Rejected" } : { status: "Accepted" };

  async call<A extends ProfileAction>(id: string, action: A, payload: RequestOf<A>): Promise<ResponseOf<A>> {
    if (!this.connected) throw new NotConnectedError(id, action);
    this.sent.push({ action, payload });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 1));
    this.inFlight--;
    return this.answer(action, payload) as ResponseOf<A>;
  }

  isConnected(): boolean {
    return this.connected;
  }
}

/** `now`: the service's clock (default NOW, fixed). */
async function setup(now: () => Date = () => NOW, acceptedSinceBoot?: Set<number>) {
  const store = await openKvEnergyStore(":memory:");
  const station = new FakeStation();
  const log: CommandLogEntry[] = [];
  let n = 0;
  const service = new ChargingProfileService({
    store,
    commands: station,
    commandLog: {
      appendCommandLog: (e) => Promise.resolve(void log.push(e)),
      listCommandLog: () => Promise.resolve(log),
    },
    now,
    newId: () => `cmd-${++n}`,
    ...(acceptedSinceBoot ? { acceptedSinceBoot: () => acceptedSinceBoot } : {}),
  });
  return { store, station, log, service, [Symbol.asyncDispose]: () => store.close() };
}

const API = { source: "api" as const, requestedBy: "user:alice" };
const ids = (list: { chargingProfileId: number; state: string }[]) =>
  list.map((p) => `${p.chargingProfileId}:${p.state}`);

Deno.test("set() stores what the station accepted and logs the command", async () => {
  await using t = await setup();
  const outcome = await t.service.set("CP-1", {
    connectorId: 0,
    csChargingProfiles: profile(1, "TxDefaultProfile", 16),
  }, API);
  assertEquals(outcome.status, "Accepted");
  assertEquals(ids(await t.service.list("CP-1")), ["1:installed"]);
  assertEquals(t.log.map((e) => [e.action, e.outcome, e.requestedBy]), [[
    "SetChargingProfile",
    "accepted",
    "user:alice",
  ]]);
});

Deno.test("set() stores nothing the station rejects", async () => {
  await using t = await setup();
  t.station.answer = () => ({ status: "Rejected" });
  const outcome = await t.service.set("CP-1", {
    connectorId: 0,
    csChargingProfiles: profile(1, "TxDefaultProfile", 16),
  }, API);
  assertEquals(outcome, { status: "Rejected", profile: null });
  assertEquals(await t.service.list("CP-1"), []);
});

Deno.test("set() keeps a profile for an offline station and sends it when the station is back", async () => {
  await using t = await setup();
  t.station.connected = false;
  const request = { connectorId: 0, csChargingProfiles: profile(1, "ChargePointMaxProfile", 20) };
  assertEquals((await t.service.set("CP-1", request, API)).status, "Pending");
  await assertRejects(
    () => t.service.set("CP-1", { connectorId: 1, csChargingProfiles: profile(2, "TxProfile", 8) }, API),
    NotConnectedError,
  );
  assertEquals(ids(await t.service.list("CP-1")), ["1:pending"]);
  t.station.connected = true;
  assertEquals(await t.service.sendPending("CP-1"), 1);
  assertEquals(t.station.sent.map((s) => s.payload), [request]);
  assertEquals(ids(await t.service.list("CP-1")), ["1:installed"]);
});

Deno.test("clear() removes what the station cleared; offline, only pending profiles can go", async () => {
  await using t = await setup();
  await t.service.set(
    "CP-1",
    { connectorId: 0, csChargingProfiles: profile(1, "TxDefaultProfile", 16) },
    API,
  );
  t.station.connected = false;
  await t.service.set(
    "CP-1",
    { connectorId: 0, csChargingProfiles: profile(2, "ChargePointMaxProfile", 20) },
    API,
  );
  await assertRejects(() => t.service.clear("CP-1", { id: 1 }, "user:alice"), NotConnectedError);
  assertEquals(await t.service.clear("CP-1", { id: 2 }, "user:alice"), { status: "Cleared", removed: [2] });
  t.station.connected = true;
  assertEquals(await t.service.clear("CP-1", { id: 1 }, "user:alice"), { status: "Accepted", removed: [1] });
  assertEquals(await t.service.list("CP-1"), []);
});

Deno.test("restore() does not send again what the station accepted since its boot (its node saw it), whatever the clocks", async () => {
  const sinceBoot = new Set<number>();
  await using t = await setup(() => NOW, sinceBoot);
  await t.service.set(
    "CP-1",
    { connectorId: 0, csChargingProfiles: profile(1, "ChargePointMaxProfile", 20) },
    API,
  );
  await t.service.set(
    "CP-1",
    { connectorId: 0, csChargingProfiles: profile(2, "TxDefaultProfile", 16) },
    API,
  );
  // Profile 2 reached the station after its boot, before the boot's restore ran.
  sinceBoot.add(2);
  t.station.sent = [];
  assertEquals(await t.service.restore("CP-1", () => false), 1);
  assertEquals(
    t.station.sent.map((s) =>
      (s.payload as RequestOf<"SetChargingProfile">).csChargingProfiles.chargingProfileId
    ),
    [1],
  );
});

Deno.test("restore() sends everything again after a reboot, the station's maximum first, TxProfiles only of running transactions", async () => {
  await using t = await setup();
  const requests = [
    { connectorId: 1, csChargingProfiles: profile(3, "TxProfile", 8, { transactionId: 41 }) },
    { connectorId: 2, csChargingProfiles: profile(4, "TxProfile", 8, { transactionId: 42 }) },
    { connectorId: 0, csChargingProfiles: profile(2, "TxDefaultProfile", 16) },
    { connectorId: 0, csChargingProfiles: profile(1, "ChargePointMaxProfile", 20) },
  ];
  for (const r of requests) await t.service.set("CP-1", r, API);
  t.station.sent = [];
  assertEquals(await t.service.restore("CP-1", (tx) => tx === 42), 3);
  assertEquals(
    t.station.sent.map((s) =>
      (s.payload as RequestOf<"SetChargingProfile">).csChargingProfiles.chargingProfileId
    ),
    [1, 2, 4],
  );
  assertEquals(ids(await t.service.list("CP-1")), ["1:installed", "2:installed", "4:installed"]);
});

Deno.test("reconnected() lists a station's profiles once when nothing changes them, and reads transactions only for a TxProfile", async () => {
  await using t = await setup();
  let lists = 0;
  const list = t.store.listChargingProfiles.bind(t.store);
  t.store.listChargingProfiles = (id) => (lists++, list(id));
  let txReads = 0;
  const reboot = {
    prepare: () => Promise.resolve(),
    activeTransactionIds: () => (txReads++, Promise.resolve([42])),
  };
  const LM = { source: "loadManagement" as const, requestedBy: "loadManagement" };
  // Nothing stored: a boot is one list call, no transaction read; a reconnection one list call.
  await t.service.reconnected("CP-1", { release: LM, reboot });
  assertEquals([lists, txReads, t.station.sent.length], [1, 0, 0]);
  lists = 0;
  await t.service.reconnected("CP-1", { release: LM });
  assertEquals([lists, txReads, t.station.sent.length], [1, 0, 0]);
  // A TxDefaultProfile: sent again after the boot without reading transactions.
  await t.service.set(
    "CP-1",
    { connectorId: 0, csChargingProfiles: profile(2, "TxDefaultProfile", 16) },
    API,
  );
  t.station.sent = [];
  lists = 0;
  await t.service.reconnected("CP-1", { release: LM, reboot });
  assertEquals([lists, txReads], [3, 0]); // the list, then one per profile sent (as restore() does)
  assertEquals(t.station.sent.map((s) => s.action), ["SetChargingProfile"]);
  // TxProfiles: only the active transaction's goes back; load management's own profile is cleared first.
  await t.service.set("CP-1", {
    connectorId: 1,
    csChargingProfiles: profile(3, "TxProfile", 8, { transactionId: 41 }),
  }, API);
  await t.service.set("CP-1", {
    connectorId: 2,
    csChargingProfiles: profile(4, "TxProfile", 8, { transactionId: 42 }),
  }, API);
  await t.service.set("CP-1", {
    connectorId: 0,
    csChargingProfiles: profile(5, "TxDefaultProfile", 10, { stackLevel: 1 }),
  }, LM);
  t.station.sent = [];
  await t.service.reconnected("CP-1", { release: LM, reboot });
  assertEquals(txReads, 1);
  assertEquals(
    t.station.sent.map((s) =>
      `${s.action}:${
        s.action === "ClearChargingProfile"
          ? (s.payload as { id: number }).id
          : (s.payload as RequestOf<"SetChargingProfile">).csChargingProfiles.chargingProfileId
      }`
    ),
    ["ClearChargingProfile:5", "SetChargingProfile:2", "SetChargingProfile:4"],
  );
  assertEquals(ids(await t.service.list("CP-1")), ["2:installed", "4:installed"]);
});

Deno.test("verify() sends the profiles again when the composite schedule shows they were lost", async () => {
  await using t = await setup();
  await t.service.set("CP-1", {
    connectorId: 1,
    csChargingProfiles: profile(3, "TxProfile", 8, { transactionId: 41 }),
  }, API);
  const composite = (limit: number) => () => ({
    status: "Accepted",
    connectorId: 1,
    scheduleStart: NOW.toISOString(),
    chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
  });
  t.station.answer = (action) => action === "GetCompositeSchedule" ? composite(8)() : { status: "Accepted" };
  assertEquals((await t.service.verify("CP-1", 1, 60, "user:alice")).lost, false);
  t.station.answer = (action) => action === "GetCompositeSchedule" ? composite(32)() : { status: "Accepted" };
  t.station.sent = [];
  assertEquals((await t.service.verify("CP-1", 1, 60, "user:alice")).lost, true);
  assertEquals(t.station.sent.map((s) => s.action), ["GetCompositeSchedule", "SetChargingProfile"]);
});

Deno.test("a station answering NotImplemented is recorded as refusing profiles; accepting one clears that", async () => {
  await using t = await setup();
  t.station.answer = () => {
    throw new CallErrorResponse("CP-1", "SetChargingProfile", "NotImplemented", "", {});
  };
  const request = { connectorId: 0, csChargingProfiles: profile(1, "TxDefaultProfile", 16) };
  await assertRejects(() => t.service.set("CP-1", request, API), CallErrorResponse);
  assertEquals((await t.store.getChargingProfileSupport("CP-1"))?.refusedReason, "NotImplemented");
  assertEquals(t.log.map((e) => e.outcome), ["callerror"]);
  t.station.answer = () => ({ status: "Accepted" });
  await t.service.set("CP-1", request, API);
  assertEquals((await t.store.getChargingProfileSupport("CP-1"))?.refusedReason, null);
});

Deno.test("one station's profile commands run one at a time", async () => {
  await using t = await setup();
  await Promise.all(
    [1, 2, 3, 4].map((id) =>
      t.service.set("CP-1", {
        connectorId: 0,
        csChargingProfiles: { ...profile(id, "TxDefaultProfile", 16), stackLevel: id },
      }, API)
    ),
  );
  assertEquals(t.station.maxInFlight, 1);
  assertEquals(ids(await t.service.list("CP-1")), [
    "1:installed",
    "2:installed",
    "3:installed",
    "4:installed",
  ]);
});

Deno.test("set() with recordFirst records the profile before it is sent, and puts the record back when the station did not take it", async () => {
  await using t = await setup();
  const tx = (limit: number) => ({
    connectorId: 1,
    csChargingProfiles: profile(900_001, "TxProfile", limit, { transactionId: 7, stackLevel: 1 }),
  });
  const LM = { source: "loadManagement" as const, requestedBy: "loadManagement:depot" };
  const limitOf = async () =>
    (await t.store.listChargingProfiles("CP-1")).map((p) =>
      `${p.chargingProfileId}:${p.profile.chargingSchedule.chargingSchedulePeriod[0]!.limit}`
    );
  await t.service.set("CP-1", tx(10), LM);
  // While the raise is in flight, the record already says 20 A: a node that reads it now (or after this one
  // died) counts the station at what it may enforce.
  let during: string[] = [];
  t.station.answer = () => ({ status: "Accepted" });
  const realCall = t.station.call.bind(t.station);
  t.station.call = (async (id: string, action: ProfileAction, payload: never) => {
    during = await limitOf();
    return await realCall(id, action, payload);
  }) as typeof t.station.call;
  await t.service.set("CP-1", tx(20), LM, { recordFirst: true });
  assertEquals([during, await limitOf()], [["900001:20"], ["900001:20"]]);

  t.station.answer = () => ({ status: "Rejected" });
  await t.service.set("CP-1", tx(30), LM, { recordFirst: true });
  assertEquals([during, await limitOf()], [["900001:30"], ["900001:20"]], "rejected: put back");

  t.station.call = (() =>
    Promise.reject(
      new CallErrorResponse("CP-1", "SetChargingProfile", "FormationViolation", "", {}),
    )) as typeof t.station.call;
  await assertRejects(() => t.service.set("CP-1", tx(30), LM, { recordFirst: true }));
  assertEquals(await limitOf(), ["900001:20"], "a CALLERROR: put back");

  t.station.call =
    (() => Promise.reject(new AnswerLostError("CP-1", "SetChargingProfile"))) as typeof t.station.call;
  await assertRejects(() => t.service.set("CP-1", tx(30), LM, { recordFirst: true }), AnswerLostError);
  assertEquals(await limitOf(), ["900001:30"], "its answer lost: the station may enforce it");
});

Deno.test("two facts a station taught learnt at once both stay (no read-modify-write of the whole record)", async () => {
  await using t = await setup();
  // A division and an operator's command, say, each learning something about CP-1 at the same moment.
  await Promise.all([
    t.service.markSupport("CP-1", { txDefaultOnly: true }),
    t.service.markSupport("CP-1", { refusedReason: "Rejected" }),
    t.service.markSupport("CP-1", { unanswered: { runs: 2, until: null } }),
  ]);
  const support = await t.store.getChargingProfileSupport("CP-1");
  assertEquals([support?.txDefaultOnly, support?.refusedReason, support?.unanswered], [true, "Rejected", {
    runs: 2,
    until: null,
  }]);
});

Deno.test("recordLateAnswer() records a late Accepted, takes back a raise recorded first and rejected late, and yields to later writes", async () => {
  // Each write a second after the last: a record's version is the time it was written.
  let tick = 0;
  await using t = await setup(() => new Date(NOW.getTime() + 1000 * tick++));
  const LM = { source: "loadManagement" as const, requestedBy: "loadManagement:depot" };
  const set = (limit: number) => ({
    connectorId: 1,
    csChargingProfiles: profile(900_001, "TxProfile", limit),
  });
  const late = (limit: number, status: string, recordsAsked: Record<string, string> | null) => ({
    chargePointId: "CP-1",
    action: "SetChargingProfile",
    request: set(limit),
    response: { status },
    requestedBy: LM.requestedBy,
    recordsAsked,
  });
  const limitOf = async () => {
    const [p] = await t.service.list("CP-1");
    return p ? [p.state, p.source, p.profile.chargingSchedule.chargingSchedulePeriod[0]!.limit] : null;
  };
  const versions = async () => profileVersions(await t.service.list("CP-1"));
  // Installed at 32 (at NOW); a decrease to 16 sent then timed out, then the station accepted it.
  await t.service.set("CP-1", set(32), LM);
  const asked = await versions();
  await t.service.recordLateAnswer(late(16, "Accepted", asked));
  assertEquals(await limitOf(), ["installed", "loadManagement", 16]);
  // An answer to a command sent before the record's last write: a later command decided it.
  await t.service.recordLateAnswer(late(8, "Accepted", asked));
  assertEquals(await limitOf(), ["installed", "loadManagement", 16]);
  // Refused: a profile the record does not hold as sent changes nothing; the one recorded first goes.
  const now = await versions();
  await t.service.recordLateAnswer(late(24, "Rejected", now));
  assertEquals(await limitOf(), ["installed", "loadManagement", 16]);
  await t.service.recordLateAnswer(late(16, "Rejected", now));
  assertEquals(await limitOf(), null);
  // Not ours to judge: other actions.
  await t.service.recordLateAnswer({ ...late(16, "Accepted", {}), action: "ClearChargingProfile" });
  assertEquals(await limitOf(), null);
});

Deno.test("recordLateAnswer() judges by the records the command went out with, not by the clocks of the nodes", async () => {
  await using t = await setup();
  // The node that divides the site (this service's clock, NOW) is ahead of the node holding the station,
  // whose actor stamps a requestedAt seconds earlier: no time of the two is compared any more.
  const LM = { source: "loadManagement" as const, requestedBy: "loadManagement:depot" };
  const set = (limit: number) => ({
    connectorId: 1,
    csChargingProfiles: profile(900_001, "TxProfile", limit),
  });
  let recordsAsked: Record<string, string> | undefined;
  t.station.call = ((_id: string, _action: ProfileAction, _payload: unknown, log?: CommandLogRow) => {
    recordsAsked = log?.recordsAsked;
    return Promise.reject(new AnswerLostError("CP-1", "SetChargingProfile"));
  }) as typeof t.station.call;
  await assertRejects(() => t.service.set("CP-1", set(32), LM, { recordFirst: true }), AnswerLostError);
  assertEquals(recordsAsked, { "900001": NOW.toISOString() }, "the raise as recorded first");
  await t.service.recordLateAnswer({
    chargePointId: "CP-1",
    action: "SetChargingProfile",
    request: set(32),
    response: { status: "Rejected" },
    requestedBy: LM.requestedBy,
    recordsAsked: recordsAsked ?? null,
  });
  assertEquals(await t.service.list("CP-1"), [], "the raise the station refused late is taken back");
});

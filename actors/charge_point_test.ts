import { reservation } from "./handlers/fakes.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import type { StationChanges } from "../model/changes.ts";
import { type ChargePointRecord, emptyRecord, withoutDetails } from "../model/charge_point.ts";
import { openKvStore } from "../store/kv/mod.ts";
import { type Store, StoreUnavailableError } from "../store/mod.ts";
import { type ChargePointActor, CLOSE_CODES, type StationSocket } from "./charge_point.ts";
import { MAX_UNSETTLED_OUTCOMES } from "./unsettled_outcomes.ts";
import type { ActorDeps, AnsweredCommand } from "./deps.ts";
import type { ActorDialect } from "./dialect.ts";
import { EventBus } from "./events.ts";
import {
  CallErrorResponse,
  CallTimeoutError,
  CommandNotLoggedError,
  CommandNotSentError,
  CommandRefusedError,
  NotConnectedError,
  SendMarkError,
} from "./errors.ts";
import { OCPP16_ACTOR } from "./ocpp16.ts";
import { OCPP201_ACTOR } from "./ocpp201.ts";
import { FrameLog } from "./frame_log.ts";
import { Registry } from "./registry.ts";

const T0 = Date.parse("2026-05-01T10:00:00.000Z");

/** The store writes an actor makes, by method name, in order. */
type Writes = { method: string; args: unknown[] }[];

/** Every write of the station hot path is one `commit`; the other writers must stay unused by an actor. */
const WRITES = new Set([
  "commit",
  "putChargePoint",
  "touchChargePoint",
  "appendStatusHistory",
  "recordStatus",
]);

/**
 * Wraps a store: records the snapshot and status writes; `failNext` makes the next such write (or `times`
 * writes) reject, `refuseText` every write whose arguments hold the text (a value the store can never store).
 */
function recording(store: Store): {
  store: Store;
  writes: Writes;
  failNext: (method: string, times?: number, unavailable?: boolean) => void;
  refuseText: (text: string | null) => void;
  holdCommits: (hold: boolean) => void;
  held: Array<() => void>;
  failReads: (method: string | null) => void;
} {
  const writes: Writes = [];
  let failing: string | null = null;
  let failures = 0;
  let failUnavailable = false;
  let refused: string | null = null;
  let holding = false;
  /** A read (a lookup) that rejects while set: the store down between writes. */
  let failingRead: string | null = null;
  /** Held commits: each settles (as the store settled it) when called. */
  const held: Array<() => void> = [];
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === failingRead) return () => Promise.reject(new Error(`Cannot ${prop}: injected failure`));
      if (typeof prop !== "string" || !WRITES.has(prop)) return value.bind(target);
      return (...args: unknown[]) => {
        writes.push({ method: prop, args: structuredClone(args) });
        if (failing === prop) {
          if (--failures === 0) failing = null;
          const why = `Cannot ${prop}: injected failure`;
          return Promise.reject(failUnavailable ? new StoreUnavailableError(why) : new Error(why));
        }
        if (refused !== null && JSON.stringify(args).includes(refused)) {
          return Promise.reject(new Error(`Cannot ${prop}: "${refused}" refused`));
        }
        const result = value.apply(target, args) as Promise<unknown>;
        if (!holding) return result;
        return new Promise((resolve, reject) => held.push(() => result.then(resolve, reject)));
      };
    },
  });
  return {
    store: wrapped,
    writes,
    failNext: (method, times = 1, unavailable = false) => {
      failing = method;
      failures = times;
      failUnavailable = unavailable;
    },
    refuseText: (text) => (refused = text),
    holdCommits: (hold) => (holding = hold),
    held,
    failReads: (method) => (failingRead = method),
  };
}

class FakeSocket implements StationSocket {
  readyState = 1;
  sent: unknown[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  closedWith: number | undefined;
  close(code?: number): void {
    this.readyState = 3;
    this.closedWith = code;
  }
}

async function setUp(
  options: {
    frames?: FrameLog;
    maxFrameBytes?: number;
    maxTransactionFrameBytes?: number;
    lastSeenIntervalMs?: number;
    maxBadFrames?: number;
    badFramesWindowMs?: number;
    /** The clock for intervals; unless told, the fake clock that moves 1 s with every now(). */
    monotonicMs?: () => number;
    dialect?: ActorDialect;
    /** The station's snapshot stored before it connects. */
    stored?: ChargePointRecord;
    securityEvents?: ActorDeps["securityEvents"];
    securityEventQuota?: ActorDeps["securityEventQuota"];
    sendMarks?: ActorDeps["sendMarks"];
    commandAnswered?: ActorDeps["commandAnswered"];
    ledgerHolds?: ActorDeps["ledgerHolds"];
    logger?: ReturnType<typeof createMemoryLogger>;
  } = {},
) {
  const kv = await openKvStore(":memory:");
  if (options.stored) await kv.putChargePoint(options.stored);
  const { store, writes, failNext, refuseText, holdCommits, held, failReads } = recording(kv);
  let clock = T0;
  let ids = 0;
  const events = new EventBus();
  const registry = new Registry({
    ...(options.securityEvents ? { securityEvents: options.securityEvents } : {}),
    ...(options.securityEventQuota ? { securityEventQuota: options.securityEventQuota } : {}),
    ...(options.sendMarks ? { sendMarks: options.sendMarks } : {}),
    ...(options.commandAnswered ? { commandAnswered: options.commandAnswered } : {}),
    ...(options.ledgerHolds ? { ledgerHolds: options.ledgerHolds } : {}),
    store,
    logger: options.logger ?? createMemoryLogger(),
    events,
    frames: options.frames ?? new FrameLog(0, 0),
    now: () => new Date(clock += 1000),
    // The fake clock, read without moving it: it advances with the actor's now().
    monotonicMs: options.monotonicMs ?? (() => clock),
    newMessageId: () => `m${++ids}`,
    vendors: {},
    settings: {
      registrationPolicy: "Accepted",
      heartbeatIntervalS: 300,
      bootRetryIntervalS: 60,
      callTimeoutMs: 30_000,
      maxFrameBytes: options.maxFrameBytes ?? 65_536,
      ...(options.maxTransactionFrameBytes
        ? { maxTransactionFrameBytes: options.maxTransactionFrameBytes }
        : {}),
      maxBadFrames: options.maxBadFrames ?? 10,
      badFramesWindowMs: options.badFramesWindowMs ?? 600_000,
      singleUseIdTags: false,
      ...(options.lastSeenIntervalMs === undefined ? {} : { lastSeenIntervalMs: options.lastSeenIntervalMs }),
    },
  }, { sweepIntervalMs: 1000 });
  const socket = new FakeSocket();
  const actor = registry.spawn("CP-1", socket, "127.0.0.1", options.dialect);
  let callIds = 0;
  /** Sends a CALL and waits for its correlated answer. */
  const call = async (action: string, payload: unknown): Promise<unknown> => {
    const id = `c${++callIds}`;
    actor.frameReceived(JSON.stringify([2, id, action, payload]));
    for (let i = 0; i < 200; i++) {
      const reply = socket.sent.find((f) => Array.isArray(f) && f[1] === id);
      if (reply) return reply;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`No answer to "${action}" (${id})`);
  };
  return {
    kv,
    events,
    writes,
    failNext,
    refuseText,
    holdCommits,
    held,
    failReads,
    actor: actor as ChargePointActor,
    call,
    /** Every frame sent to the station. */
    sent: () => socket.sent,
    /** The close code the actor closed the socket with, if it did. */
    closedWith: () => socket.closedWith,
    async tearDown() {
      await registry.shutdown();
      await kv.close();
    },
  };
}

const BOOT = { chargePointVendor: "Acme", chargePointModel: "Volt-1" };
const CHARGING = { connectorId: 1, status: "Charging", errorCode: "NoError" };

Deno.test("StatusNotification writes its history entry and the snapshot in one commit()", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    t.writes.length = 0;
    const reply = await t.call("StatusNotification", CHARGING);
    assertEquals(reply, [3, "c2", {}]);
    assertEquals(t.writes.map((w) => w.method), ["commit"]);
    const [changes] = t.writes[0]!.args as [StationChanges];
    const entry = changes.statusHistory?.[0];
    assertEquals([entry?.connectorId, entry?.status], [1, "Charging"]);
    assertEquals(changes.snapshot?.connectors?.map((c) => [c.connectorId, c.status]), [[1, "Charging"]]);
    // Only what changed (and when, and when a status last came): the registration and boot are not rewritten.
    assertEquals(Object.keys(changes.snapshot ?? {}).sort(), ["connectors", "statusReceivedAt", "updatedAt"]);
    assertEquals(changes.lastSeen !== undefined, true);
    assertEquals(await t.kv.listStatusHistory("CP-1", 10), [entry]);
    const stored = await t.kv.getChargePoint("CP-1");
    assertEquals(stored?.connectors, changes.snapshot?.connectors);
    // What the store holds, but the details (configuration, charging reports): the actor does not hold them.
    assertEquals(withoutDetails(stored!), t.actor.snapshot);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a snapshot write the store answers replaced (a newer connection wrote) closes the socket with 4000", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    // The station's newer connection, on another node, wrote its snapshot meanwhile.
    const newer = { connectedAt: new Date(T0 + 3_600_000).toISOString(), nodeId: "node-b" };
    const theirs = [{
      connectorId: 1,
      status: "Finishing" as const,
      errorCode: "NoError" as const,
      timestamp: "x",
    }];
    await t.kv.commit({ chargePointId: "CP-1", snapshot: { connectors: theirs }, connection: newer });
    t.actor.frameReceived(JSON.stringify([2, "c9", "StatusNotification", CHARGING]));
    for (let i = 0; i < 200 && t.closedWith() === undefined; i++) await new Promise((r) => setTimeout(r, 5));
    assertEquals(t.closedWith(), CLOSE_CODES.replaced);
    assertEquals((await t.kv.getChargePoint("CP-1"))?.connectors, theirs);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a Heartbeat costs no write; lastSeen is stored at most every lastSeenIntervalMs and advances", async () => {
  // The test clock moves 1 s with every now(): a few seconds pass between two CALLs.
  const t = await setUp({ lastSeenIntervalMs: 30_000 });
  try {
    await t.call("BootNotification", BOOT);
    const booted = String((await t.kv.getChargePoint("CP-1"))!.lastSeen);
    t.writes.length = 0;
    assertEquals(await t.call("Heartbeat", {}).then((r) => (r as unknown[])[0]), 3);
    assertEquals(t.writes.length, 0, "a Heartbeat within the interval writes nothing");
    const inMemory = String(t.actor.snapshot!.lastSeen);
    assertEquals(inMemory > booted, true, "the snapshot in memory has the newest lastSeen");
    assertEquals((await t.kv.getChargePoint("CP-1"))!.lastSeen, booted);
    for (let i = 0; i < 30 && t.writes.length === 0; i++) await t.call("Heartbeat", {});
    assertEquals(t.writes.map((w) => w.method), ["commit"], "one touch once the interval has passed");
    const [changes] = t.writes[0]!.args as [StationChanges];
    assertEquals(Object.keys(changes).sort(), ["chargePointId", "lastSeen"]);
    assertEquals(Date.parse(changes.lastSeen!) - Date.parse(booted) >= 30_000, true);
    const stored = String((await t.kv.getChargePoint("CP-1"))!.lastSeen);
    assertEquals(stored, t.actor.snapshot!.lastSeen);
    assertEquals(stored > inMemory, true, "the stored lastSeen advanced");
    // A snapshot write always carries lastSeen, whatever the interval.
    t.writes.length = 0;
    await t.call("StatusNotification", CHARGING);
    const [status] = t.writes[0]!.args as [StationChanges];
    assertEquals(status.lastSeen, (await t.kv.getChargePoint("CP-1"))!.lastSeen);
  } finally {
    await t.tearDown();
  }
});

Deno.test("the newest lastSeen, kept apart between writes, is in what an operator's update stores and gets", async () => {
  const t = await setUp({ lastSeenIntervalMs: 3_600_000 });
  try {
    await t.call("BootNotification", BOOT);
    t.writes.length = 0;
    await t.call("Heartbeat", {});
    const reply = await t.call("Heartbeat", {}) as [number, string, { currentTime: string }];
    // A Heartbeat answers the time it was received at: the station's lastSeen.
    const lastSeen = reply[2].currentTime;
    assertEquals(t.writes.length, 0, "Heartbeats within the interval write nothing");
    const stored = String((await t.kv.getChargePoint("CP-1"))!.lastSeen);
    const record = await t.actor.updateSnapshot({ firmwareStatus: "Installed" });
    assert(lastSeen > stored, `${lastSeen} is newer than the stored ${stored}`);
    assertEquals(record.lastSeen, lastSeen);
    assertEquals(record.firmwareStatus, "Installed");
    assertEquals((await t.kv.getChargePoint("CP-1"))!.firmwareStatus, "Installed");
    assertEquals(t.actor.snapshot, record);
  } finally {
    await t.tearDown();
  }
});

Deno.test("after a failed write the next Heartbeat carries lastSeen, and fails while the store does", async () => {
  const t = await setUp({ lastSeenIntervalMs: 3_600_000 });
  try {
    await t.call("BootNotification", BOOT);
    t.writes.length = 0;
    await t.call("Heartbeat", {});
    assertEquals(t.writes.length, 0);
    t.failNext("commit");
    assertEquals((await t.call("StatusNotification", CHARGING) as unknown[])[2], "InternalError");
    // The Heartbeat's commit carries what the failed one left, and its retry without it fails as well.
    t.failNext("commit", 2);
    assertEquals((await t.call("Heartbeat", {}) as unknown[])[2], "InternalError");
    t.writes.length = 0;
    assertEquals((await t.call("Heartbeat", {}) as unknown[])[0], 3);
    assertEquals(t.writes.map((w) => w.method), ["commit"], "the store is back: lastSeen (and more) written");
    t.writes.length = 0;
    await t.call("Heartbeat", {});
    assertEquals(t.writes.length, 0, "then Heartbeats cost no write again");
  } finally {
    await t.tearDown();
  }
});

Deno.test("a later CALL is answered though the fields a failed commit left fail again, and they are kept", async () => {
  const t = await setUp({ lastSeenIntervalMs: 3_600_000 });
  try {
    await t.call("BootNotification", BOOT);
    t.failNext("commit");
    assertEquals((await t.call("StatusNotification", CHARGING) as unknown[])[2], "InternalError");
    // The commit with the held Charging fails; the Heartbeat's own write without it is stored and answered.
    t.failNext("commit");
    assertEquals((await t.call("Heartbeat", {}) as unknown[])[0], 3);
    assertEquals((await t.kv.getChargePoint("CP-1"))?.connectors.map((c) => c.status), []);
    // A store that works again takes the held fields with the next commit: a passing failure drops nothing.
    assertEquals((await t.call("Heartbeat", {}) as unknown[])[0], 3);
    assertEquals((await t.kv.getChargePoint("CP-1"))?.connectors.map((c) => c.status), ["Charging"]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a store out of reach: a CALL with held fields fails after one commit, and the fields are kept", async () => {
  const t = await setUp({ lastSeenIntervalMs: 3_600_000 });
  try {
    await t.call("BootNotification", BOOT);
    t.failNext("commit");
    assertEquals((await t.call("StatusNotification", CHARGING) as unknown[])[2], "InternalError");
    // Unreachable three times in a row: each CALL is answered after its one commit, nothing written again
    // without the held Charging (a row locked elsewhere would make each try wait), none counted as refused.
    for (let i = 0; i < 3; i++) {
      t.writes.length = 0;
      t.failNext("commit", 1, true);
      assertEquals((await t.call("Heartbeat", {}) as unknown[])[2], "InternalError");
      assertEquals(t.writes.map((w) => w.method), ["commit"]);
    }
    assertEquals((await t.call("Heartbeat", {}) as unknown[])[0], 3);
    assertEquals((await t.kv.getChargePoint("CP-1"))?.connectors.map((c) => c.status), ["Charging"]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a value the store never takes is dropped after three commits, not retried with every later write", async () => {
  const t = await setUp({ lastSeenIntervalMs: 3_600_000 });
  try {
    await t.call("BootNotification", BOOT);
    t.refuseText("POISON");
    const poisoned = { ...CHARGING, info: "POISON" };
    assertEquals((await t.call("StatusNotification", poisoned) as unknown[])[2], "InternalError");
    assertEquals((await t.call("StatusNotification", poisoned) as unknown[])[2], "InternalError");
    assertEquals(t.actor.snapshot!.connectors[0]?.info, "POISON", "held, to be written with the next commit");
    assertEquals((await t.call("Heartbeat", {}) as unknown[])[0], 3, "stored without the held fields");
    // A status now carries the poisoned connector list from memory: refused, the third time in a row.
    const available = { connectorId: 2, status: "Available", errorCode: "NoError" };
    assertEquals((await t.call("StatusNotification", available) as unknown[])[2], "InternalError");
    // The station sends it again, and the list is built from what the store holds.
    assertEquals((await t.call("StatusNotification", available) as unknown[])[0], 3);
    // Dropped: memory follows the store again, which kept every answered CALL's changes.
    assertEquals(t.actor.snapshot!.connectors.map((c) => [c.connectorId, c.status]), [[2, "Available"]]);
    assertEquals((await t.kv.getChargePoint("CP-1"))?.connectors.map((c) => c.connectorId), [2]);
    t.writes.length = 0;
    assertEquals((await t.call("Heartbeat", {}) as unknown[])[0], 3);
    assertEquals(t.writes.length, 0, "nothing left to carry");
  } finally {
    await t.tearDown();
  }
});

Deno.test("with lastSeenIntervalMs 0 every CALL stores lastSeen", async () => {
  const t = await setUp({ lastSeenIntervalMs: 0 });
  try {
    await t.call("BootNotification", BOOT);
    t.writes.length = 0;
    await t.call("Heartbeat", {});
    await t.call("Heartbeat", {});
    assertEquals(t.writes.map((w) => w.method), ["commit", "commit"]);
    assertEquals((await t.kv.getChargePoint("CP-1"))!.lastSeen, t.actor.snapshot!.lastSeen);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a station closing with its snapshot stored but for lastSeen is only touched", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    await t.call("StatusNotification", CHARGING);
    await t.call("Heartbeat", {});
    t.writes.length = 0;
    t.actor.close(CLOSE_CODES.goingAway, "Server shutting down");
    await t.actor.stopped;
    assertEquals(t.writes.map((w) => w.method), ["commit"]);
    const [changes] = t.writes[0]!.args as [StationChanges];
    assertEquals(Object.keys(changes).sort(), ["chargePointId", "lastSeen"]);
    const stored = await t.kv.getChargePoint("CP-1");
    assertEquals(stored?.lastSeen, changes.lastSeen);
    assertEquals(stored?.connectors.map((c) => c.status), ["Charging"]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a station whose last snapshot write failed is saved in full when it closes", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    t.failNext("commit");
    const reply = await t.call("StatusNotification", CHARGING);
    assertEquals((reply as unknown[])[2], "InternalError");
    t.writes.length = 0;
    t.actor.close(CLOSE_CODES.goingAway, "Server shutting down");
    await t.actor.stopped;
    assertEquals(t.writes.map((w) => w.method), ["commit"]);
    // The close carries every field the actor owns, not only lastSeen.
    const [changes] = t.writes[0]!.args as [StationChanges];
    assertEquals(changes.snapshot?.connectors?.map((c) => c.status), ["Charging"]);
    // What the station reported is not lost: the close wrote it.
    assertEquals((await t.kv.getChargePoint("CP-1"))?.connectors.map((c) => c.status), ["Charging"]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a frame above MAX_FRAME_BYTES closes the socket and leaves only a short note in the frame log", async () => {
  const frames = new FrameLog(10, 10);
  const t = await setUp({ frames, maxFrameBytes: 2048 });
  try {
    await t.call("BootNotification", BOOT);
    t.actor.frameReceived(
      JSON.stringify([2, "big", "DataTransfer", { vendorId: "v", data: "x".repeat(5000) }]),
    );
    await t.actor.stopped;
    assertEquals(
      frames.list("CP-1").filter((f) => f.frame.includes("xxxxxxxx")),
      [],
      "no cut of the frame is kept",
    );
    const last = frames.list("CP-1").at(-1);
    assertEquals(last?.direction, "in");
    assertEquals(last?.frame, "[frame of 5051 characters dropped: too big]");
  } finally {
    await t.tearDown();
  }
});

Deno.test("a CALL with nothing to write or look up is answered within 2 microtask turns of its frame", async () => {
  // The shell's layers hand on promises instead of awaiting each other: a Heartbeat between lastSeen writes
  // (a sync handler, no commit) is answered in the turn its frame arrived, with no promise per layer.
  const t = await setUp({ lastSeenIntervalMs: 3_600_000 });
  try {
    await t.call("BootNotification", BOOT);
    await t.call("Heartbeat", {});
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    const before = socket.sent.length;
    t.actor.frameReceived(JSON.stringify([2, "hb", "Heartbeat", {}]));
    let turns = 0;
    while (socket.sent.length === before && turns < 20) {
      await Promise.resolve();
      turns++;
    }
    assertEquals((socket.sent.at(-1) as unknown[])?.[1], "hb");
    assert(turns <= 2, `answered after ${turns} microtask turns`);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a CALL is answered within 3 microtask turns of its commit settling", async () => {
  // One async function per CALL in the shell: the commit's outcome reaches the answer without a layer of
  // promises per shell function.
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    t.holdCommits(true);
    t.actor.frameReceived(JSON.stringify([2, "st", "StatusNotification", CHARGING]));
    for (let i = 0; i < 100 && t.held.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
    assertEquals(t.held.length, 1, "the commit is held");
    // The store's own commit settles first (its KV write is real I/O): only then is the held answer given.
    await new Promise((r) => setTimeout(r, 20));
    const before = socket.sent.length;
    t.held.shift()!();
    let turns = 0;
    while (socket.sent.length === before && turns < 20) {
      await Promise.resolve();
      turns++;
    }
    assertEquals((socket.sent.at(-1) as unknown[])?.[1], "st");
    assert(turns <= 3, `answered after ${turns} microtask turns`);
  } finally {
    t.holdCommits(false);
    await t.tearDown();
  }
});

/** The first CALL the actor sent the station, once it is sent. */
/** The station's `n`th CALL (from 1), once sent. */
async function nthCall(socket: FakeSocket, n: number): Promise<unknown[]> {
  const calls = () => socket.sent.filter((f) => (f as unknown[])[0] === 2) as unknown[][];
  for (let i = 0; i < 200 && calls().length < n; i++) await new Promise((r) => setTimeout(r, 2));
  return calls()[n - 1]!;
}

async function sentCall(socket: FakeSocket): Promise<unknown[]> {
  const isCall = (f: unknown) => (f as unknown[])[0] === 2;
  for (let i = 0; i < 100 && !socket.sent.some(isCall); i++) await new Promise((r) => setTimeout(r, 2));
  return socket.sent.find(isCall) as unknown[];
}

/** OCPP 1.6 with Reset's guard or effect throwing: a bug in the domain, as the actor shell meets it. */
function resetThrowingIn(part: "guard" | "effect"): ActorDialect {
  const bug = () => {
    throw new Error(`injected bug in Reset's ${part}`);
  };
  return {
    ...OCPP16_ACTOR,
    commands: { ...OCPP16_ACTOR.commands, Reset: { ...OCPP16_ACTOR.commands.Reset, [part]: bug } },
  };
}

async function commandLogEventually(t: Awaited<ReturnType<typeof setUp>>) {
  for (let i = 0; i < 100; i++) {
    const entries = await t.kv.listCommandLog("CP-1", 10);
    // A command that went out is logged `sending` first: its outcome settles that row.
    if (entries.length > 0 && entries.every((e) => e.outcome !== "sending")) return entries;
    await new Promise((r) => setTimeout(r, 5));
  }
  return [];
}

Deno.test("a crash while a station's answer is handled still answers the operator and logs the command", async () => {
  const t = await setUp({ dialect: resetThrowingIn("effect") });
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    const command = t.actor.call("Reset", { type: "Soft" }, { requestedBy: "user:olga" });
    const sent = await sentCall(socket);
    t.actor.frameReceived(JSON.stringify([3, sent[1], { status: "Accepted" }]));
    // The station did carry it out: the operator hears its answer, not silence.
    assertEquals(await command, { status: "Accepted" });
    assertEquals(socket.readyState, 3, "the crash closed the connection");
    const [entry] = await commandLogEventually(t);
    assertEquals([entry?.action, entry?.outcome, entry?.requestedBy], ["Reset", "accepted", "user:olga"]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a crash before a command goes out rejects it as not connected and logs it", async () => {
  const t = await setUp({ dialect: resetThrowingIn("guard") });
  try {
    await t.call("BootNotification", BOOT);
    const error = await t.actor.call("Reset", { type: "Soft" }).then(() => null, (e) => e);
    assert(error instanceof NotConnectedError, `rejected with ${error}`);
    const [entry] = await commandLogEventually(t);
    assertEquals([entry?.action, entry?.outcome], ["Reset", "not_connected"]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a command that asks for a send mark goes out only once the mark is written, and never when it is refused", async () => {
  let socket: FakeSocket | null = null;
  const resets = () => (socket?.sent ?? []).filter((f) => (f as unknown[])[2] === "Reset").length;
  const marks: unknown[] = [];
  const t = await setUp({
    sendMarks: {
      mark: (chargePointId, mark) => {
        marks.push({ chargePointId, ...mark, resetsOnTheWire: resets() });
        return Promise.resolve(mark.holder === "node-a");
      },
    },
  });
  try {
    socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    await t.call("BootNotification", BOOT);
    const command = t.actor.call("Reset", { type: "Soft" }, { sendMark: { jobId: "J-1", holder: "node-a" } });
    const sent = await sentCall(socket);
    assertEquals(marks, [{ chargePointId: "CP-1", jobId: "J-1", holder: "node-a", resetsOnTheWire: 0 }]);
    t.actor.frameReceived(JSON.stringify([3, sent[1], { status: "Accepted" }]));
    assertEquals(await command, { status: "Accepted" });

    const refused = await t.actor.call("Reset", { type: "Hard" }, {
      sendMark: { jobId: "J-1", holder: "node-b" },
    })
      .then(() => null, (e) => e);
    assert(refused instanceof SendMarkError, `rejected with ${refused}`);
    assertEquals(resets(), 1, "the CALL whose mark was refused never went");
    const entries = await t.kv.listCommandLog("CP-1", 10);
    const outcomes = Object.fromEntries(
      entries.map((e) => [(e.payload as { type: string }).type, e.outcome]),
    );
    assertEquals(outcomes, { Soft: "accepted", Hard: "not_connected" });
    const hard = entries.find((e) => (e.payload as { type: string }).type === "Hard");
    assertStringIncludes(String((hard?.response as { reason?: string })?.reason), "no longer has it claimed");
  } finally {
    await t.tearDown();
  }
});

Deno.test("a command is logged sending before its CALL leaves, and its answer settles that same row", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    const command = t.actor.call("Reset", { type: "Soft" }, { requestedBy: "user:olga", logId: "log-1" });
    const sent = await sentCall(socket);
    // The row was stored before the CALL went out.
    const [sending] = await t.kv.listCommandLog("CP-1", 10);
    assertEquals([sending?.id, sending?.outcome, sending?.finishedAt], ["log-1", "sending", null]);
    t.actor.frameReceived(JSON.stringify([3, sent[1], { status: "Accepted" }]));
    await command;
    const rows = await t.kv.listCommandLog("CP-1", 10);
    assertEquals(rows.map((e) => [e.id, e.outcome, e.requestedAt]), [[
      "log-1",
      "accepted",
      sending!.requestedAt,
    ]]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("an answer is told to commandAnswered once, timely or late, only for a command that asks", async () => {
  const told: AnsweredCommand[] = [];
  let release!: () => void;
  const t = await setUp({
    commandAnswered: (answer) => {
      told.push(answer);
      // The first is held: its caller must not hear the answer before it is done.
      return told.length === 1 ? new Promise((resolve) => release = resolve) : Promise.resolve();
    },
  });
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    const timely = t.actor.call("Reset", { type: "Soft" }, { requestedBy: "user:olga", answerEffects: true });
    let heard = false;
    void timely.then(() => heard = true);
    const first = await nthCall(socket, 1);
    t.actor.frameReceived(JSON.stringify([3, first[1], { status: "Accepted" }]));
    while (told.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(heard, false, "heard before what the answer teaches was done");
    release();
    assertEquals(await timely, { status: "Accepted" });

    // Not asked: not told.
    const quiet = t.actor.call("Reset", { type: "Hard" });
    const second = await nthCall(socket, 2);
    t.actor.frameReceived(JSON.stringify([3, second[1], { status: "Accepted" }]));
    await quiet;

    // Timed out, then answered: told once, as late; a second answer is not told. A late CALLERROR is told (the
    // caller heard of the timeout, not that the station refused); a timely one is its caller's.
    const late = t.actor.call("Reset", { type: "Soft" }, { requestedBy: "job:1", answerEffects: true });
    const third = await nthCall(socket, 3);
    t.actor.sweep(Number.MAX_SAFE_INTEGER);
    await assertRejects(() => late, CallTimeoutError);
    t.actor.frameReceived(JSON.stringify([3, third[1], { status: "Rejected" }]));
    t.actor.frameReceived(JSON.stringify([3, third[1], { status: "Accepted" }]));
    const errored = t.actor.call("Reset", { type: "Hard" }, { answerEffects: true });
    const fourth = await nthCall(socket, 4);
    t.actor.sweep(Number.MAX_SAFE_INTEGER);
    await assertRejects(() => errored, CallTimeoutError);
    t.actor.frameReceived(JSON.stringify([4, fourth[1], "InternalError", "busy", {}]));
    const refused = t.actor.call("Reset", { type: "Hard" }, { answerEffects: true });
    const fifth = await nthCall(socket, 5);
    t.actor.frameReceived(JSON.stringify([4, fifth[1], "NotSupported", "", {}]));
    await assertRejects(() => refused, CallErrorResponse);
    await t.call("Heartbeat", {});
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(
      told.map((a) => [a.action, a.request, a.response, a.callError, a.requestedBy, a.dialect, a.late]),
      [
        ["Reset", { type: "Soft" }, { status: "Accepted" }, null, "user:olga", "ocpp1.6", false],
        ["Reset", { type: "Soft" }, { status: "Rejected" }, null, "job:1", "ocpp1.6", true],
        [
          "Reset",
          { type: "Hard" },
          null,
          { errorCode: "InternalError", errorDescription: "busy" },
          "anonymous",
          "ocpp1.6",
          true,
        ],
      ],
    );
  } finally {
    await t.tearDown();
  }
});

Deno.test('a command sent with answerEffects "late" is told only its late answer, as its caller\'s own', async () => {
  const told: AnsweredCommand[] = [];
  const t = await setUp({ commandAnswered: (answer) => (told.push(answer), Promise.resolve()) });
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    const timely = t.actor.call("Reset", { type: "Soft" }, {
      requestedBy: "loadManagement:a",
      answerEffects: "late",
    });
    const first = await nthCall(socket, 1);
    t.actor.frameReceived(JSON.stringify([3, first[1], { status: "Accepted" }]));
    assertEquals(await timely, { status: "Accepted" });
    const late = t.actor.call("Reset", { type: "Hard" }, {
      requestedBy: "loadManagement:a",
      answerEffects: "late",
    });
    const second = await nthCall(socket, 2);
    t.actor.sweep(Number.MAX_SAFE_INTEGER);
    await assertRejects(() => late, CallTimeoutError);
    t.actor.frameReceived(JSON.stringify([3, second[1], { status: "Rejected" }]));
    await t.call("Heartbeat", {});
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(told.map((a) => [a.request, a.response, a.late, a.callerRecords, typeof a.requestedAt]), [
      [{ type: "Hard" }, { status: "Rejected" }, true, true, "string"],
    ]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a command whose outcome could not be stored has its sending row settled by a later sweep, not left sending", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    const command = t.actor.call("Reset", { type: "Soft" }, { logId: "log-1" });
    const sent = await sentCall(socket);
    // The store fails the write of the answer: the operator still hears what the station did.
    t.failNext("commit");
    t.actor.frameReceived(JSON.stringify([3, sent[1], { status: "Accepted" }]));
    assertEquals(await command, { status: "Accepted" });
    const [stuck] = await t.kv.listCommandLog("CP-1", 10);
    assertEquals(stuck?.outcome, "sending");
    // Not before its retry is due; then the store has the answer, on the same row.
    t.actor.sweep(T0);
    assertEquals((await t.kv.listCommandLog("CP-1", 10))[0]?.outcome, "sending");
    t.actor.sweep(Number.MAX_SAFE_INTEGER);
    const rows = await commandLogEventually(t);
    assertEquals(rows.map((e) => [e.id, e.outcome, e.response]), [["log-1", "accepted", {
      status: "Accepted",
    }]]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a command whose outcome could not be stored is settled when its station closes, before the actor stops", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    const command = t.actor.call("Reset", { type: "Hard" }, { logId: "log-2" });
    const sent = await sentCall(socket);
    t.failNext("commit");
    t.actor.frameReceived(JSON.stringify([3, sent[1], { status: "Rejected" }]));
    await command;
    t.actor.socketClosed(1000, "bye");
    await t.actor.stopped;
    const rows = await t.kv.listCommandLog("CP-1", 10);
    assertEquals(rows.map((e) => [e.id, e.outcome]), [["log-2", "accepted"]]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("during a store outage an actor keeps at most MAX_UNSETTLED_OUTCOMES outcomes to settle, a sent command's first, and logs the drops once", async () => {
  const logger = createMemoryLogger();
  const t = await setUp({ logger });
  const max = MAX_UNSETTLED_OUTCOMES;
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    // The store refuses every write: no command goes out, and each one's refusal waits to be settled (the
    // store might have taken its `sending` row all the same).
    t.failNext("commit", max);
    const refuse = (logId: string) =>
      assertRejects(() => t.actor.call("Reset", { type: "Soft" }, { logId }), CommandNotLoggedError);
    for (let i = 0; i < max; i++) await refuse(`refused-${i}`);
    // Back for one write: a command goes out, its `sending` row stored; the store fails before its answer.
    const sent = t.actor.call("Reset", { type: "Hard" }, { logId: "sent-1" });
    const frame = await sentCall(socket);
    t.failNext("commit", 1_000);
    t.actor.frameReceived(JSON.stringify([3, frame[1], { status: "Accepted" }]));
    assertEquals(await sent, { status: "Accepted" });
    for (let i = 0; i < 5; i++) await refuse(`late-refused-${i}`);
    // A retry while the store is still down keeps them.
    t.actor.sweep(Number.MAX_SAFE_INTEGER);
    await t.call("Heartbeat", {});
    t.failNext("nothing");
    t.writes.length = 0;
    t.actor.sweep(Number.MAX_SAFE_INTEGER);
    await until(() => t.writes.length > 0);
    await t.call("Heartbeat", {});
    const [settled] = t.writes[0]!.args as [StationChanges];
    assertEquals(settled.commandLog?.length, max, "what waited in memory");
    const rows = await t.kv.listCommandLog("CP-1", 1_000);
    // The sent command's row, `sending` in the store, is settled; of the refusals, the oldest made room for it.
    assertEquals(rows.find((r) => r.id === "sent-1")?.outcome, "accepted");
    assertEquals(rows.filter((r) => r.outcome === "sending"), []);
    const refused = rows.filter((r) => r.outcome === "refused").map((r) => r.id).sort();
    assertEquals(refused, Array.from({ length: max - 1 }, (_, i) => `refused-${i + 1}`).sort());
    const lines = logger.lines.filter((l) => String(l.msg).startsWith("command outcomes"));
    assertEquals(lines.map((l) => [l.level, l.msg, l.dropped]), [
      ["warn", "command outcomes dropped: too many wait for the store", undefined],
      ["warn", "command outcomes dropped while the store failed", 6],
    ]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("an actor that stops while the store still fails logs how many command outcomes it dropped", async () => {
  const logger = createMemoryLogger();
  const t = await setUp({ logger });
  const max = MAX_UNSETTLED_OUTCOMES;
  try {
    await t.call("BootNotification", BOOT);
    // The store refuses every write, through the station's close: its actor's last try fails too.
    t.failNext("commit", 1_000);
    for (let i = 0; i < max + 3; i++) {
      await assertRejects(
        () => t.actor.call("Reset", { type: "Soft" }, { logId: `refused-${i}` }),
        CommandNotLoggedError,
      );
    }
    t.actor.socketClosed(1000, "bye");
    await t.actor.stopped;
    const lines = logger.lines.filter((l) => String(l.msg).startsWith("command outcomes"));
    assertEquals(lines.map((l) => [l.level, l.msg, l.dropped]), [
      ["warn", "command outcomes dropped: too many wait for the store", undefined],
      ["warn", "command outcomes dropped while the store failed", 3],
    ]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a command whose sending row cannot be stored is not sent, and says why", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    t.failNext("commit");
    const error = await t.actor.call("Reset", { type: "Soft" }).then(() => null, (e) => e);
    assert(error instanceof CommandNotLoggedError, `rejected with ${error}`);
    assert(!socket.sent.some((f) => (f as unknown[])[0] === 2), "a CALL went out unlogged");
  } finally {
    await t.tearDown();
  }
});

Deno.test("a remote start whose id tag cannot be read is not sent, the station stays connected, and the log says why", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    await t.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    t.failReads("getIdTag");
    const error = await t.actor.call("RemoteStartTransaction", { connectorId: 1, idTag: "CARD-1" })
      .then(() => null, (e) => e);
    t.failReads(null);
    // The store failed, not the station: the operator hears that (503), and the station is not cut off.
    assert(error instanceof CommandNotSentError, `rejected with ${error}`);
    assertStringIncludes(error.message, "Cannot getIdTag");
    assertEquals(socket.readyState, 1, "the connection was closed");
    assert(!socket.sent.some((f) => (f as unknown[])[0] === 2), "a CALL went out unchecked");
    const [entry] = await commandLogEventually(t);
    assertEquals([entry?.action, entry?.outcome], ["RemoteStartTransaction", "not_connected"]);
    assertStringIncludes(String((entry?.response as { reason?: string })?.reason), "Cannot getIdTag");
    // And the actor goes on: the next CALL of the station is answered.
    assertEquals((await t.call("Heartbeat", {}) as unknown[])[0], 3);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a hold only the reservation ledger has refuses other drivers' remote starts and reservations there, not its own driver's", async () => {
  let ledgerFails = false;
  const hold = {
    reservationId: 41,
    connectorId: 1,
    idTag: "OWNER",
    expiryDate: new Date(T0 + 3_600_000_000).toISOString(),
    requestedAt: new Date(T0).toISOString(),
    unconfirmed: true as const,
  };
  const t = await setUp({
    ledgerHolds: (id) =>
      ledgerFails ? Promise.reject(new Error("ledger down")) : Promise.resolve(id === "CP-1" ? [hold] : []),
  });
  try {
    for (const idTag of ["OWNER", "OTHER"]) {
      await t.kv.putIdTag({ idTag, status: "Accepted", expiryDate: null, parentIdTag: null });
    }
    await t.call("BootNotification", BOOT);
    await t.call("StatusNotification", { connectorId: 1, status: "Available", errorCode: "NoError" });
    const refused = (action: string, payload: unknown) =>
      t.actor.call(action, payload).then(() => null, (e) => e);
    const foreign = await refused("RemoteStartTransaction", { connectorId: 1, idTag: "OTHER" });
    assert(foreign instanceof CommandRefusedError, `rejected with ${foreign}`);
    assertStringIncludes(foreign.message, 'connector 1 is reserved (reservation 41) for "OWNER"');
    const second = await refused("ReserveNow", {
      connectorId: 1,
      expiryDate: hold.expiryDate,
      idTag: "OTHER",
      reservationId: 42,
    });
    assert(second instanceof CommandRefusedError, `rejected with ${second}`);
    assertStringIncludes(second.message, "already holds reservation 41");
    assert(!t.sent().some((f) => (f as unknown[])[0] === 2), "a CALL went out past the ledger's hold");

    // Its own driver's remote start goes out.
    const own = t.actor.call("RemoteStartTransaction", { connectorId: 1, idTag: "OWNER" });
    const call = await sentCall((t.actor as unknown as { socket: FakeSocket }).socket);
    assertEquals([call[2], (call[3] as { idTag: string }).idTag], ["RemoteStartTransaction", "OWNER"]);
    t.actor.frameReceived(JSON.stringify([3, call[1], { status: "Accepted" }]));
    await own;

    // A ledger that cannot be read: not sent (the store's trouble), the station stays connected.
    ledgerFails = true;
    const unread = await refused("RemoteStartTransaction", { connectorId: 1, idTag: "OTHER" });
    assert(unread instanceof CommandNotSentError, `rejected with ${unread}`);
    assertStringIncludes(unread.message, "ledger down");
    assertEquals(t.closedWith(), undefined);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a 2.0.1 station's ReservationStatusUpdate ends the ledger's hold for its guards, before the ledger does", async () => {
  // The ledger still lists the hold (its end, told by the event, not written yet): the station's word wins.
  const hold = {
    reservationId: 43,
    connectorId: 1,
    idTag: "OWNER",
    expiryDate: new Date(T0 + 3_600_000_000).toISOString(),
    requestedAt: new Date(T0).toISOString(),
    unconfirmed: true as const,
  };
  const t = await setUp({ dialect: OCPP201_ACTOR, ledgerHolds: () => Promise.resolve([hold]) });
  try {
    for (const idTag of ["OWNER", "OTHER"]) {
      await t.kv.putIdTag({ idTag, status: "Accepted", expiryDate: null, parentIdTag: null });
    }
    await t.call("BootNotification", {
      reason: "PowerUp",
      chargingStation: { model: "Volt-2", vendorName: "Acme" },
    });
    const at = () => new Date(T0).toISOString();
    await t.call("StatusNotification", {
      timestamp: at(),
      connectorStatus: "Available",
      evseId: 1,
      connectorId: 1,
    });
    const start = () =>
      t.actor.call("RequestStartTransaction", {
        idToken: { idToken: "OTHER", type: "ISO14443" },
        remoteStartId: 1,
        evseId: 1,
      }).then(() => null, (e) => e);
    const refused = await start();
    assert(refused instanceof CommandRefusedError, `rejected with ${refused}`);
    await t.call("ReservationStatusUpdate", { reservationId: 43, reservationUpdateStatus: "Removed" });
    const sent = start();
    const call = await sentCall((t.actor as unknown as { socket: FakeSocket }).socket);
    if (call?.[2] !== "RequestStartTransaction") {
      throw new Error(`the ended hold still refused the start: ${await sent}`);
    }
    t.actor.frameReceived(JSON.stringify([3, call[1], { status: "Accepted" }]));
    assertEquals(await sent, null);
  } finally {
    await t.tearDown();
  }
});

/** What a reservation test says to a station of each dialect: reservation 7 of connector (EVSE) 1 for OWNER. */
const RESERVING = {
  "ocpp1.6": {
    dialect: OCPP16_ACTOR,
    boot: BOOT,
    available: { connectorId: 1, status: "Available", errorCode: "NoError" },
    reserveNow: (expiryDate: string) => ({ connectorId: 1, expiryDate, idTag: "OWNER", reservationId: 7 }),
    remoteStart: ["RemoteStartTransaction", { connectorId: 1, idTag: "OTHER" }],
  },
  "ocpp2.0.1": {
    dialect: OCPP201_ACTOR,
    boot: { reason: "PowerUp", chargingStation: { model: "Volt-2", vendorName: "Acme" } },
    available: {
      timestamp: new Date(T0).toISOString(),
      connectorStatus: "Available",
      evseId: 1,
      connectorId: 1,
    },
    reserveNow: (expiryDateTime: string) => ({
      id: 7,
      expiryDateTime,
      idToken: { idToken: "OWNER", type: "ISO14443" },
      evseId: 1,
    }),
    remoteStart: ["RequestStartTransaction", {
      idToken: { idToken: "OTHER", type: "ISO14443" },
      remoteStartId: 1,
      evseId: 1,
    }],
  },
} as const;

/** OWNER's session on connector (EVSE) 1 naming reservation 7, started; it returns the session's end. */
async function ownerStartsOn7(
  t: Awaited<ReturnType<typeof setUp>>,
  protocol: keyof typeof RESERVING,
): Promise<() => Promise<void>> {
  const at = (s: number) => new Date(T0 + s * 1000).toISOString();
  if (protocol === "ocpp1.6") {
    const start = await t.call("StartTransaction", {
      connectorId: 1,
      idTag: "OWNER",
      meterStart: 0,
      timestamp: at(0),
      reservationId: 7,
    }) as [number, string, { transactionId: number }];
    return async () => {
      await t.call("StopTransaction", {
        transactionId: start[2].transactionId,
        meterStop: 10,
        timestamp: at(60),
      });
      await t.call("StatusNotification", RESERVING[protocol].available);
    };
  }
  const event = (eventType: string, seqNo: number, triggerReason: string) =>
    t.call("TransactionEvent", {
      eventType,
      seqNo,
      timestamp: at(seqNo * 30),
      triggerReason,
      transactionInfo: { transactionId: "TX-7" },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: "OWNER", type: "ISO14443" },
      // The station names it in every event of the session.
      reservationId: 7,
    });
  await event("Started", 0, "Authorized");
  return async () => {
    await event("Updated", 1, "MeterValuePeriodic");
    await event("Ended", 2, "StopAuthorized");
    // The Started sent again (its answer lost): a replay.
    await event("Started", 0, "Authorized");
    await t.call("StatusNotification", RESERVING[protocol].available);
  };
}

for (const protocol of ["ocpp1.6", "ocpp2.0.1"] as const) {
  for (const answer of ["before", "after", "late"] as const) {
    const order = {
      before: "before the ReserveNow's Accepted is recorded",
      after: "after its Accepted",
      late: "after the ReserveNow timed out, its Accepted coming late",
    }[answer];
    Deno.test(`a ${protocol} start that uses its reservation ${order} leaves the station's record without it`, async () => {
      const said = RESERVING[protocol];
      const t = await setUp({ dialect: said.dialect });
      try {
        for (const idTag of ["OWNER", "OTHER"]) {
          await t.kv.putIdTag({ idTag, status: "Accepted", expiryDate: null, parentIdTag: null });
        }
        await t.call("BootNotification", said.boot);
        await t.call("StatusNotification", said.available);
        const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
        const reserved = t.actor.call(
          "ReserveNow",
          said.reserveNow(new Date(T0 + 3_600_000_000).toISOString()),
        )
          .then(() => null, (e) => e);
        const reserveNow = await nthCall(socket, 1);
        const accept = async () => {
          t.actor.frameReceived(JSON.stringify([3, reserveNow[1], { status: "Accepted" }]));
          if (answer !== "late") assertEquals(await reserved, null);
        };
        if (answer === "late") {
          t.actor.sweep(Number.MAX_SAFE_INTEGER);
          assert((await reserved) instanceof CallTimeoutError, "the ReserveNow timed out");
        }
        if (answer === "after") await accept();
        const ends = await ownerStartsOn7(t, protocol);
        if (answer !== "after") await accept();
        // The late answer is written in its own turn: a Heartbeat after it waits for it.
        await t.call("Heartbeat", {});
        assertEquals(t.actor.snapshot?.reservations ?? [], []);
        assertEquals((await t.kv.getChargePoint("CP-1"))?.reservations ?? [], []);

        await ends();
        const [action, payload] = said.remoteStart;
        const other = t.actor.call(action, payload).then(() => null, (e) => e);
        const remoteStart = await nthCall(socket, 2);
        if (remoteStart?.[2] !== action) {
          throw new Error(`another driver's remote start was not sent: ${await other}`);
        }
        t.actor.frameReceived(JSON.stringify([3, remoteStart[1], { status: "Accepted" }]));
        assertEquals(await other, null);
        assertEquals((await t.kv.getChargePoint("CP-1"))?.reservations ?? [], []);
      } finally {
        await t.tearDown();
      }
    });
  }
}

Deno.test("one answer to the call in flight passes the rate limit, not its copies", async () => {
  const t = await setUp();
  try {
    await t.call("BootNotification", BOOT);
    const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
    const command = t.actor.call("ClearCache", {});
    const sent = await sentCall(socket);
    const answer = JSON.stringify([3, sent[1], { status: "Accepted" }]);
    assertEquals(t.actor.answersCallInFlight(`[3,"other",{}]`), false);
    assertEquals([t.actor.answersCallInFlight(answer), t.actor.answersCallInFlight(answer)], [true, false]);
    t.actor.frameReceived(answer);
    assertEquals(await command, { status: "Accepted" });
  } finally {
    await t.tearDown();
  }
});

Deno.test("a long transaction frame that arrives before the snapshot is loaded is decided once it is", async () => {
  const stop = (id: string) =>
    JSON.stringify([2, id, "StopTransaction", {
      transactionId: 7,
      meterStop: 10,
      timestamp: "2026-05-01T10:00:00.000Z",
      transactionData: [{
        timestamp: "2026-05-01T09:00:00.000Z",
        sampledValue: [{ value: "x".repeat(4000) }],
      }],
    }]);
  const accepted = { ...emptyRecord("CP-1", new Date(T0)), registrationStatus: "Accepted" as const };
  // An Accepted station that replays its stop as its first frame: stored (an orphan stop here), not closed.
  const known = await setUp({ maxFrameBytes: 2048, maxTransactionFrameBytes: 65_536, stored: accepted });
  try {
    const socket = (known.actor as unknown as { socket: FakeSocket }).socket;
    known.actor.frameReceived(stop("s1"));
    for (let i = 0; i < 100 && socket.sent.length === 0 && socket.readyState === 1; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assertEquals([socket.readyState, (socket.sent[0] as unknown[])?.slice(0, 2)], [1, [3, "s1"]]);
  } finally {
    await known.tearDown();
  }
  // A station never Accepted: closed with 1009 once its snapshot says so.
  const stranger = await setUp({ maxFrameBytes: 2048, maxTransactionFrameBytes: 65_536 });
  try {
    const socket = (stranger.actor as unknown as { socket: FakeSocket }).socket;
    stranger.actor.frameReceived(stop("s1"));
    for (let i = 0; i < 100 && socket.readyState === 1; i++) await new Promise((r) => setTimeout(r, 5));
    assertEquals([socket.readyState, socket.sent.length], [3, 0]);
  } finally {
    await stranger.tearDown();
  }
});

const CONFIGURED: ChargePointRecord = {
  ...emptyRecord("CP-1", new Date(T0)),
  registrationStatus: "Accepted",
  configuration: [{ key: "A", readonly: false, value: "1" }, { key: "B", readonly: true, value: "2" }],
};

/** Sends a command and answers its CALL with `response`, as the station would; resolves when it is stored. */
async function answered(
  t: Awaited<ReturnType<typeof setUp>>,
  action: string,
  payload: unknown,
  response: unknown,
  /** Run once the CALL went out (its command log row written), before the answer comes. */
  beforeAnswer = () => {},
) {
  const socket = (t.actor as unknown as { socket: FakeSocket }).socket;
  socket.sent.length = 0;
  const command = t.actor.call(action, payload);
  const sent = await sentCall(socket);
  beforeAnswer();
  t.actor.frameReceived(JSON.stringify([3, sent[1], response]));
  return await command;
}

Deno.test("the actor holds no configuration: a partial GetConfiguration answer is merged into the stored one", async () => {
  const t = await setUp({ stored: CONFIGURED });
  try {
    await t.call("BootNotification", BOOT);
    assertEquals("configuration" in t.actor.snapshot!, false);
    await answered(t, "GetConfiguration", { key: ["B"] }, {
      configurationKey: [{ key: "B", readonly: true, value: "3" }],
    });
    assertEquals((await t.kv.getChargePoint("CP-1"))?.configuration, [
      { key: "A", readonly: false, value: "1" },
      { key: "B", readonly: true, value: "3" },
    ]);
    // Read for the answer, dropped once stored.
    assertEquals("configuration" in t.actor.snapshot!, false);
  } finally {
    await t.tearDown();
  }
});

Deno.test("after a failed snapshot write, the next commit leaves the stored configuration as it was", async () => {
  const t = await setUp({ stored: CONFIGURED });
  try {
    await t.call("BootNotification", BOOT);
    t.failNext("commit");
    assertEquals(((await t.call("StatusNotification", CHARGING)) as unknown[])[2], "InternalError");
    // The next commit writes every field the actor owns: not a configuration it does not hold.
    assertEquals(await t.call("StatusNotification", CHARGING), [3, "c3", {}]);
    const stored = await t.kv.getChargePoint("CP-1");
    assertEquals(stored?.connectors.map((c) => c.status), ["Charging"]);
    assertEquals(stored?.configuration, CONFIGURED.configuration);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a configuration whose commit failed is held, and written with the station's next commit", async () => {
  const t = await setUp({ stored: CONFIGURED });
  try {
    await t.call("BootNotification", BOOT);
    // The answer's commit fails (the command's row was written before the CALL went out).
    await answered(
      t,
      "ChangeConfiguration",
      { key: "A", value: "5" },
      { status: "Accepted" },
      () => t.failNext("commit"),
    );
    assertEquals((await t.kv.getChargePoint("CP-1"))?.configuration, CONFIGURED.configuration);
    await t.call("StatusNotification", CHARGING);
    assertEquals((await t.kv.getChargePoint("CP-1"))?.configuration, [
      { key: "A", readonly: false, value: "5" },
      { key: "B", readonly: true, value: "2" },
    ]);
    assertEquals("configuration" in t.actor.snapshot!, false);
  } finally {
    await t.tearDown();
  }
});

Deno.test("reservations that expired while the record was not written are dropped with the next commit", async () => {
  const expired = Array.from({ length: 300 }, (_, i) => reservation(100 + i, "2026-04-02T00:00:00.000Z"));
  const running = reservation(99, "2026-05-02T00:00:00.000Z");
  const t = await setUp({
    stored: { ...CONFIGURED, ocppVersion: "ocpp1.6", reservations: [...expired, running] },
  });
  try {
    await t.call("BootNotification", BOOT);
    assertEquals((await t.kv.getChargePoint("CP-1"))?.reservations, [running]);
    assertEquals(t.actor.snapshot?.reservations, [running]);
    // That field alone rides along: nothing else is written back over a change made since the load.
    const [boot] = t.writes.map((w) => (w.args as [StationChanges])[0]);
    assertEquals([boot?.snapshot?.reservations, "firmwareStatus" in (boot?.snapshot ?? {})], [
      [running],
      false,
    ]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a station that now speaks another OCPP version has that field alone written with its next commit", async () => {
  const t = await setUp({ stored: { ...CONFIGURED, ocppVersion: "ocpp2.0.1" } });
  try {
    await t.call("Heartbeat", {});
    assertEquals((await t.kv.getChargePoint("CP-1"))?.ocppVersion, "ocpp1.6");
    // Nothing else is written back over a change made since the load (another node's offline write).
    const [first] = t.writes.map((w) => (w.args as [StationChanges])[0]);
    assertEquals(first?.snapshot?.ocppVersion, "ocpp1.6");
    assertEquals(Object.keys(first?.snapshot ?? {}).sort(), ["ocppVersion", "updatedAt"]);
    // Written once: the next commits carry no snapshot.
    await t.call("StatusNotification", CHARGING);
    const later = t.writes.slice(1).map((w) => (w.args as [StationChanges])[0]);
    assertEquals(later.map((c) => c.snapshot?.ocppVersion), [undefined]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a security event the log already holds for the CALL's id is answered, not streamed, and not counted", async () => {
  const stored = new Set<string>();
  const refunds: string[] = [];
  const asked: string[] = [];
  let admitted = 0;
  const key = (e: { messageId: string; kind: string; reason: string }) =>
    `${e.messageId} ${e.kind} ${e.reason}`;
  const t = await setUp({
    securityEvents: {
      record: () => {
        throw new Error("a station's own event is recorded with its CALL id");
      },
      // As the store does: one event per station, CALL id, kind and reason.
      recordOnce: (e) => Promise.resolve(!stored.has(key(e)) && stored.add(key(e)).size > 0),
      hasEventOf: (e) => {
        asked.push(e.messageId);
        return Promise.resolve(stored.has(key(e)));
      },
      flush: () => Promise.resolve(),
    },
    // Room for two.
    securityEventQuota: {
      admit: async (_id, _e, alreadyStored) => {
        if (admitted < 2) {
          admitted++;
          return true;
        }
        await alreadyStored?.();
        return false;
      },
      refund: (_id, e) => {
        refunds.push(e.kind);
        admitted--;
      },
      left: () => {},
    },
  });
  const streamed: string[] = [];
  t.events.subscribe((e) => {
    if (e.type === "securityEvent") streamed.push(e.techInfo ?? "");
  });
  const tamper = (techInfo: string) => ({
    type: "TamperDetectionActivated",
    timestamp: "2024-05-01T10:00:00Z",
    techInfo,
  });
  try {
    await t.call("BootNotification", BOOT);
    // One at a time: a CALL with the id of one not answered yet is a copy, dropped unanswered.
    const send = async (id: string, payload: unknown) => {
      const answers = () => t.sent().filter((f) => Array.isArray(f) && f[1] === id).length;
      const before = answers();
      t.actor.frameReceived(JSON.stringify([2, id, "SecurityEventNotification", payload]));
      for (let i = 0; i < 200 && answers() === before; i++) await new Promise((r) => setTimeout(r, 5));
      return t.sent().filter((f) => Array.isArray(f) && f[1] === id).at(-1);
    };
    assertEquals(await send("sec-1", tamper("lid")), [3, "sec-1", {}]);
    assertEquals(await send("sec-1", tamper("lid")), [3, "sec-1", {}]);
    assertEquals(await send("sec-2", tamper("door")), [3, "sec-2", {}]);
    // Over the quota now: the log is asked whether it holds the event (it does: not a drop).
    assertEquals(await send("sec-1", tamper("lid")), [3, "sec-1", {}]);
    assertEquals(stored.size, 2);
    assertEquals(refunds, ["station_event_critical"], "the refused one gave its place back");
    assertEquals(asked, ["sec-1"]);
    assertEquals(streamed, ["lid", "door"]);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a security event over the station's quota is answered, not stored, and not streamed", async () => {
  const recorded: string[] = [];
  const left: string[] = [];
  let admitted = 0;
  const t = await setUp({
    securityEvents: {
      record: () => {
        throw new Error("a station's own event is recorded with its CALL id");
      },
      recordOnce: (e) => Promise.resolve(recorded.push(e.reason) > 0),
      hasEventOf: () => Promise.resolve(false),
      flush: () => Promise.resolve(),
    },
    // Room for one: the second and third are over the quota.
    securityEventQuota: {
      admit: () => Promise.resolve(admitted++ < 1),
      refund: () => {
        throw new Error("nothing was refused as stored already");
      },
      left: (id) => left.push(id),
    },
  });
  const streamed: string[] = [];
  t.events.subscribe((e) => {
    if (e.type === "securityEvent") streamed.push(e.techInfo ?? "");
  });
  try {
    await t.call("BootNotification", BOOT);
    for (const techInfo of ["first", "second", "third"]) {
      const reply = await t.call("SecurityEventNotification", {
        type: "TamperDetectionActivated",
        timestamp: "2024-05-01T10:00:00Z",
        techInfo,
      });
      // A CALLRESULT with the empty payload, over the quota or not: nothing for the station to send again.
      assertEquals([(reply as unknown[])[0], (reply as unknown[])[2]], [3, {}]);
    }
    assertEquals(recorded.length, 1);
    assertStringIncludes(recorded[0]!, "first");
    assertEquals(streamed, ["first"]);
  } finally {
    await t.tearDown();
  }
  assertEquals(left, ["CP-1"], "told the quota it left, so its next connection reads the log again");
});

/** Until `done` holds or about a second passed (the mailbox works in its own turns). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
}

/** The protocol errors a commit wrote, if it carried any. */
function protocolErrorsOf(write: Writes[number]): unknown {
  return (write.args[0] as StationChanges).snapshot?.protocolErrors;
}

Deno.test("frames we refuse are the station's protocol errors: counted, the last one described, stored with its record", async () => {
  const t = await setUp({ lastSeenIntervalMs: 300_000 });
  try {
    await t.call("BootNotification", BOOT);
    t.writes.length = 0;
    // Its schema refuses it: the CALLERROR we answered is the problem, the action is known.
    const refused = await t.call("StatusNotification", { ...CHARGING, status: "Sleeping" });
    assertEquals((refused as unknown[])[0], 4);
    const first = t.actor.snapshot!.protocolErrors!;
    assertEquals([first.count, first.lastAction], [1, "StatusNotification"]);
    assertStringIncludes(first.lastProblem, String((refused as unknown[])[2]));
    // The first one is written at once, by a commit of its own (after the answer: the Heartbeat waits for it).
    await t.call("Heartbeat", {});
    assertEquals(t.writes.map(protocolErrorsOf), [first]);
    assertEquals((await t.kv.getChargePoint("CP-1"))!.protocolErrors, first);
    // An action we do not know, then a frame that is no JSON at all (no action to name).
    await t.call("FlyToTheMoon", {});
    t.actor.frameReceived("[2, not json");
    await until(() => t.actor.snapshot!.protocolErrors!.count === 3);
    const last = t.actor.snapshot!.protocolErrors!;
    assertEquals(last.count, 3);
    assertEquals(last.lastAction, undefined);
    assertStringIncludes(last.lastProblem, "FormationViolation");
    // Within the interval: not written on their own, but with the station's next write.
    assertEquals(t.writes.length, 1);
    assertEquals((await t.kv.getChargePoint("CP-1"))!.protocolErrors!.count, 1);
    await t.call("StatusNotification", CHARGING);
    assertEquals((await t.kv.getChargePoint("CP-1"))!.protocolErrors, last);
  } finally {
    await t.tearDown();
  }
});

/** Sends a CALL without its payload (a bad frame, answered with a CALLERROR) and waits for that answer. */
async function sendBadFrame(t: Awaited<ReturnType<typeof setUp>>, id: string): Promise<void> {
  t.actor.frameReceived(`[2,"${id}","Heartbeat"]`);
  const answered = () => t.sent().some((f) => Array.isArray(f) && f[0] === 4 && f[1] === id);
  await until(answered);
  assert(answered(), `bad frame "${id}" answered`);
}

Deno.test("MAX_BAD_FRAMES bad frames spread over a long time do not close the connection", async () => {
  let elapsedMs = 0;
  const t = await setUp({ maxBadFrames: 10, badFramesWindowMs: 600_000, monotonicMs: () => elapsedMs });
  try {
    await t.call("BootNotification", BOOT);
    // One a minute for an hour: as fast as the tolerance refills (10 per 600 s), six times the limit in all.
    for (let i = 0; i < 60; i++) {
      elapsedMs += 60_000;
      await sendBadFrame(t, `bad-${i}`);
    }
    assertEquals(t.closedWith(), undefined);
    assertEquals((await t.call("Heartbeat", {}) as unknown[])[0], 3, "still answered");
    // The station's protocol errors are its history: every one counted.
    assertEquals(t.actor.snapshot!.protocolErrors!.count, 60);
  } finally {
    await t.tearDown();
  }
});

Deno.test("MAX_BAD_FRAMES bad frames in a burst close the connection with 1002", async () => {
  const logger = createMemoryLogger();
  const t = await setUp({ maxBadFrames: 10, badFramesWindowMs: 600_000, monotonicMs: () => 0, logger });
  try {
    await t.call("BootNotification", BOOT);
    for (let i = 0; i < 9; i++) await sendBadFrame(t, `bad-${i}`);
    assertEquals(t.closedWith(), undefined);
    t.actor.frameReceived(`[2,"bad-9","Heartbeat"]`);
    await until(() => t.closedWith() !== undefined);
    assertEquals(t.closedWith(), 1002);
    const line = logger.lines.find((l) => l.msg === "closing after too many bad frames");
    assertEquals(line?.badFrames, 10);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a burst of bad frames after a quiet period is judged on its own", async () => {
  let elapsedMs = 0;
  const t = await setUp({ maxBadFrames: 10, badFramesWindowMs: 600_000, monotonicMs: () => elapsedMs });
  try {
    await t.call("BootNotification", BOOT);
    for (let i = 0; i < 9; i++) await sendBadFrame(t, `early-${i}`);
    // A window later the nine are forgotten: nine more are tolerated, a tenth is a burst of ten.
    elapsedMs += 600_000;
    for (let i = 0; i < 9; i++) await sendBadFrame(t, `late-${i}`);
    assertEquals(t.closedWith(), undefined);
    t.actor.frameReceived(`[2,"late-9","Heartbeat"]`);
    await until(() => t.closedWith() !== undefined);
    assertEquals(t.closedWith(), 1002);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a station flooding bad frames makes us write its protocol errors at most once a minute", async () => {
  const t = await setUp({ maxBadFrames: 100_000 });
  try {
    await t.call("BootNotification", BOOT);
    t.writes.length = 0;
    const from = Date.parse(t.actor.snapshot!.lastSeen!);
    for (let i = 0; i < 400; i++) t.actor.frameReceived(`[2, "bad${i}", "Heartbeat", {"x":`);
    await until(() => t.actor.snapshot?.protocolErrors?.count === 400);
    assertEquals(t.actor.snapshot!.protocolErrors!.count, 400);
    const elapsedMs = Date.parse(t.actor.snapshot!.protocolErrors!.lastAt) - from;
    assert(elapsedMs > 10 * 60_000, "the test clock covers several minutes");
    // Every write the flood caused carries them, and there are no more than one per minute it lasted.
    assert(t.writes.every((w) => protocolErrorsOf(w) !== undefined));
    assert(t.writes.length >= 2, `${t.writes.length} writes`);
    assert(
      t.writes.length <= Math.floor(elapsedMs / 60_000) + 1,
      `${t.writes.length} writes in ${elapsedMs} ms`,
    );
  } finally {
    await t.tearDown();
  }
});

Deno.test("a node whose clock is behind the one that stamped a station's protocol errors still writes them once a minute", async () => {
  // Another node, its clock an hour ahead of ours, wrote the station's last protocol error.
  const ahead = new Date(T0 + 3_600_000).toISOString();
  const stored = {
    ...CONFIGURED,
    protocolErrors: { count: 1, lastAt: ahead, lastProblem: "FormationViolation: x" },
  };
  const t = await setUp({ stored, maxBadFrames: 100_000, lastSeenIntervalMs: 3_600_000 });
  try {
    await t.call("Heartbeat", {});
    t.writes.length = 0;
    const from = Date.parse(t.actor.snapshot!.lastSeen!);
    // Several minutes of this node's time (the test clock moves 1 s with every now()), well within the hour.
    for (let i = 0; i < 300; i++) t.actor.frameReceived(`[2, "bad${i}", "Heartbeat", {"x":`);
    await until(() => t.actor.snapshot?.protocolErrors?.count === 301);
    assertEquals(t.actor.snapshot!.protocolErrors!.count, 301);
    const elapsedMs = Date.parse(t.actor.snapshot!.protocolErrors!.lastAt) - from;
    assert(elapsedMs > 5 * 60_000 && elapsedMs < 30 * 60_000, `${elapsedMs} ms`);
    // Not held back until this node's clock reaches the other's stamp, and at most one a minute of its own.
    const written = t.writes.filter((w) => protocolErrorsOf(w) !== undefined);
    assert(written.length >= 2, `${written.length} writes`);
    assert(
      written.length <= Math.floor(elapsedMs / 60_000) + 1,
      `${written.length} writes in ${elapsedMs} ms`,
    );
  } finally {
    await t.tearDown();
  }
});

Deno.test("a station that reconnects just after its protocol errors were written gets no write of its own before the interval", async () => {
  for (const [lastAt, writtenAtOnce] of [[T0, false], [T0 - 3_600_000, true]] as const) {
    const stored = {
      ...CONFIGURED,
      protocolErrors: {
        count: 1,
        lastAt: new Date(lastAt).toISOString(),
        lastProblem: "FormationViolation: x",
      },
    };
    const t = await setUp({ stored, lastSeenIntervalMs: 3_600_000 });
    try {
      await t.call("Heartbeat", {});
      t.writes.length = 0;
      t.actor.frameReceived(`[2, "bad", "Heartbeat", {"x":`);
      await until(() => t.actor.snapshot?.protocolErrors?.count === 2);
      await t.call("Heartbeat", {});
      const written = t.writes.filter((w) => protocolErrorsOf(w) !== undefined);
      assertEquals(
        written.length,
        writtenAtOnce ? 1 : 0,
        `last one stamped ${new Date(lastAt).toISOString()}`,
      );
    } finally {
      await t.tearDown();
    }
  }
});

Deno.test("an operator's clear whose write fails clears nothing: the errors stay, in memory and in its next write", async () => {
  for (const unavailable of [false, true]) {
    const t = await setUp({ lastSeenIntervalMs: 300_000 });
    try {
      await t.call("BootNotification", BOOT);
      // The first one is written at once; the second waits, unwritten, for the station's next write.
      await t.call("StatusNotification", { ...CHARGING, status: "Sleeping" });
      await t.call("Heartbeat", {});
      await t.call("FlyToTheMoon", {});
      const held = t.actor.snapshot!.protocolErrors!;
      assertEquals(held.count, 2);

      t.failNext("commit", 1, unavailable);
      const failed = await assertRejects(() =>
        t.actor.clearProtocolErrors(held.lastAt, new Date(T0).toISOString())
      );
      // The API's 503 store_unavailable, whatever the store threw, not a 500.
      assert(failed instanceof StoreUnavailableError, String(failed));
      assertEquals(t.actor.snapshot!.protocolErrors, held, `in memory (unavailable: ${unavailable})`);
      await t.call("StatusNotification", CHARGING);
      assertEquals((await t.kv.getChargePoint("CP-1"))!.protocolErrors, held, "its next write keeps them");

      // Tried again once the store takes it: cleared, all of them.
      assertEquals(await t.actor.clearProtocolErrors(held.lastAt, new Date(T0).toISOString()), {
        cleared: held,
      });
      assertEquals((await t.kv.getChargePoint("CP-1"))!.protocolErrors ?? null, null);
    } finally {
      await t.tearDown();
    }
  }
});

Deno.test("a bad frame noted while the actor's own clear is written counts from the clear, not on top of the errors cleared", async () => {
  const t = await setUp({ lastSeenIntervalMs: 300_000 });
  try {
    await t.call("BootNotification", BOOT);
    await t.call("StatusNotification", { ...CHARGING, status: "Sleeping" });
    await t.call("FlyToTheMoon", {});
    const held = t.actor.snapshot!.protocolErrors!;
    assertEquals(held.count, 2);

    t.holdCommits(true);
    const clearing = t.actor.clearProtocolErrors(held.lastAt, new Date(T0).toISOString());
    await until(() => t.held.length === 1);
    // While the clear is being written: a CALL waits behind it in the mailbox, and its copy is noted on
    // arrival (a bad frame outside any turn).
    t.actor.frameReceived(JSON.stringify([2, "again", "Heartbeat", {}]));
    t.actor.frameReceived(JSON.stringify([2, "again", "Heartbeat", {}]));
    t.holdCommits(false);
    t.held.shift()!();
    assertEquals(await clearing, { cleared: held });
    const after = t.actor.snapshot!.protocolErrors!;
    assertEquals(after.count, 1, "the copy alone, not 2 + 1");
    assertStringIncludes(after.lastProblem, "Reused the message id");
    await t.call("StatusNotification", CHARGING);
    assertEquals((await t.kv.getChargePoint("CP-1"))!.protocolErrors, after, "written so too");
  } finally {
    t.holdCommits(false);
    await t.tearDown();
  }
});

/**
 * A station connected with 3 protocol errors stored, which another node (not seeing this connection yet)
 * then clears in the store: its operator heard 200. Gives the test station and the errors' lastAt.
 */
async function clearedElsewhereWhileConnected() {
  const lastAt = new Date(T0 - 60_000).toISOString();
  const protocolErrors = { count: 3, lastAt, lastProblem: "FormationViolation: x" };
  const t = await setUp({ stored: { ...CONFIGURED, protocolErrors }, lastSeenIntervalMs: 300_000 });
  await t.call("Heartbeat", {});
  assertEquals(t.actor.snapshot!.protocolErrors!.count, 3);
  assert("cleared" in (await t.kv.clearProtocolErrors("CP-1", lastAt, new Date(T0).toISOString()))!);
  return { t, lastAt };
}

Deno.test("an actor whose protocol errors another node cleared meanwhile writes only the ones it noted since", async () => {
  const { t } = await clearedElsewhereWhileConnected();
  try {
    await t.call("FlyToTheMoon", {});
    // Its protocol errors' write of their own comes after the answer: the Heartbeat waits for it.
    await t.call("Heartbeat", {});
    const noted = t.actor.snapshot!.protocolErrors!;
    assertEquals(noted.count, 1, "counted after the clear, in memory too, once the write tells");
    assertEquals(
      (await t.kv.getChargePoint("CP-1"))!.protocolErrors,
      noted,
      "the cleared ones do not come back",
    );
    // A clear through this node now clears the one it noted, not the three again.
    assertEquals(await t.actor.clearProtocolErrors(noted.lastAt, new Date(T0).toISOString()), {
      cleared: noted,
    });
  } finally {
    await t.tearDown();
  }
});

Deno.test("a clear through the actor of errors another node cleared already clears nothing again", async () => {
  const { t, lastAt } = await clearedElsewhereWhileConnected();
  try {
    assertEquals(await t.actor.clearProtocolErrors(lastAt, new Date(T0).toISOString()), {
      refused: "no_protocol_errors",
    });
    assertEquals(t.actor.snapshot!.protocolErrors ?? null, null);
  } finally {
    await t.tearDown();
  }
});

Deno.test("a well-behaved station has no protocol errors, and a registration refusal is not one", async () => {
  const t = await setUp({ lastSeenIntervalMs: 300_000 });
  try {
    // Before its boot: refused SecurityError, for its registration, not its frames.
    assertEquals(((await t.call("StatusNotification", CHARGING)) as unknown[])[2], "SecurityError");
    await t.call("BootNotification", BOOT);
    await t.call("StatusNotification", CHARGING);
    await t.call("Heartbeat", {});
    assertEquals(t.actor.snapshot!.protocolErrors, undefined);
    assertEquals((await t.kv.getChargePoint("CP-1"))!.protocolErrors ?? null, null);
    assert(t.writes.every((w) => protocolErrorsOf(w) === undefined));
  } finally {
    await t.tearDown();
  }
});

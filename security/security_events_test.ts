import { assert, assertEquals, assertRejects } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import type {
  SecurityEvent,
  SecurityEventAppend,
  SecurityEventOfMessage,
  SecurityEventQuery,
  SecurityEventStore,
} from "../store/security_events.ts";
import { openKvStationSecurityStore } from "../store/kv/station_security.ts";
import { RefusalThrottle } from "./refusal_throttle.ts";
import { SecurityEventLog } from "./security_events.ts";

const T0 = Date.parse("2024-05-01T10:00:00.000Z");

/** A store that can be switched off, and that counts its writes. */
class FlakyStore implements SecurityEventStore {
  events: SecurityEvent[] = [];
  writes = 0;
  down = false;
  /** Resolves a held write (while set, writes wait for it). */
  hold: Promise<void> | null = null;

  async appendSecurityEvents(events: readonly SecurityEvent[]): Promise<SecurityEventAppend> {
    this.writes++;
    if (this.hold) await this.hold;
    if (this.down) throw new Error("connection refused");
    const refused: string[] = [];
    for (const e of events) {
      if (this.events.some((s) => s.id === e.id)) continue;
      // The stores' rule: one event per station, CALL id, kind and reason.
      if (e.messageId !== undefined && this.events.some((s) => sameMessage(s, e))) refused.push(e.id);
      else this.events.push(e);
    }
    return { refused };
  }

  hasSecurityEventOf(message: SecurityEventOfMessage): Promise<boolean> {
    return Promise.resolve(this.events.some((s) => s.messageId !== undefined && sameMessage(s, message)));
  }

  listSecurityEvents(query: SecurityEventQuery): Promise<SecurityEvent[]> {
    if (this.down) return Promise.reject(new Error("connection refused"));
    const sorted = [...this.events].sort((a, b) => (a.id < b.id ? 1 : -1));
    return Promise.resolve(sorted.slice(0, query.limit));
  }
}

function sameMessage(
  a: Pick<SecurityEvent, "chargePointId" | "messageId" | "kind" | "reason">,
  b: Pick<SecurityEvent, "chargePointId" | "messageId" | "kind" | "reason">,
): boolean {
  return a.chargePointId === b.chargePointId && a.messageId === b.messageId && a.kind === b.kind &&
    a.reason === b.reason;
}

function clock() {
  let ms = T0;
  return () => new Date(ms++);
}

Deno.test("SecurityEventLog.record() returns at once and writes the events of one turn in one batch", async () => {
  const store = new FlakyStore();
  const log = new SecurityEventLog(createMemoryLogger(), clock(), { store });
  for (let i = 0; i < 3; i++) log.record({ kind: "login_failed", principal: "root", reason: `try ${i}` });
  assertEquals(store.writes, 0);
  await log.flush();
  assertEquals(store.writes, 1);
  assertEquals(store.events.map((e) => e.reason), ["try 0", "try 1", "try 2"]);
  await log.close();
});

Deno.test("SecurityEventLog.record() does not wait for a hanging store, and page() then reads the store", async () => {
  const store = new FlakyStore();
  let release!: () => void;
  store.hold = new Promise((r) => (release = r));
  const log = new SecurityEventLog(createMemoryLogger(), clock(), { store });
  log.record({ kind: "station_auth_failed", chargePointId: "CP-1", reason: "Wrong AuthorizationKey" });
  await new Promise((r) => setTimeout(r, 5));
  // The write is stuck, yet recording goes on and the ring has everything.
  log.record({ kind: "station_auth_failed", chargePointId: "CP-1", reason: "Wrong AuthorizationKey again" });
  assertEquals(log.list().length, 2);
  const reading = log.page({ limit: 10 });
  release();
  store.hold = null;
  const page = await reading;
  assertEquals(page.source, "store");
  assertEquals(page.items.map((e) => e.reason), ["Wrong AuthorizationKey again", "Wrong AuthorizationKey"]);
  await log.close();
});

Deno.test("SecurityEventLog keeps events through a store outage, lists the ring meanwhile, and retries", async () => {
  const store = new FlakyStore();
  store.down = true;
  const logger = createMemoryLogger();
  const log = new SecurityEventLog(logger, clock(), { store, retryMs: 20, maxPending: 3 });
  for (let i = 0; i < 5; i++) log.record({ kind: "login_failed", reason: `try ${i}` });
  const during = await log.page({ limit: 2 });
  assertEquals(during.source, "memory");
  assertEquals(during.items.map((e) => e.reason), ["try 4", "try 3"]);
  assertEquals(during.nextCursor, during.items[1]!.id);
  const older = await log.page({ limit: 10, before: during.nextCursor! });
  assertEquals(older.items.map((e) => e.reason), ["try 2", "try 1", "try 0"]);
  assertEquals(older.nextCursor, null);
  await assertRejects(() => log.flush(), Error, "Cannot store 3 security events");
  // One error line for the outage, not one per attempt.
  assertEquals(
    logger.lines.filter((l) => l.msg === "cannot store security events; keeping them queued").length,
    1,
  );

  store.down = false;
  const deadline = Date.now() + 2000;
  while (store.events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  // The oldest two were dropped past maxPending; every event is still a log line.
  assertEquals(store.events.map((e) => e.reason), ["try 2", "try 3", "try 4"]);
  assert(logger.lines.some((l) => l.msg === "security events stored again" && l.dropped === 2));
  assertEquals(logger.lines.filter((l) => l.event === "security").length, 5);
  await log.close();
});

Deno.test("SecurityEventLog.close() writes what is pending, and logs instead of throwing when it cannot", async () => {
  const store = new FlakyStore();
  const log = new SecurityEventLog(createMemoryLogger(), clock(), { store });
  log.record({ kind: "login_failed", reason: "pending at shutdown" });
  await log.close();
  assertEquals(store.events.length, 1);

  const down = new FlakyStore();
  down.down = true;
  const logger = createMemoryLogger();
  const failing = new SecurityEventLog(logger, clock(), { store: down, retryMs: 10 });
  failing.record({ kind: "login_failed", reason: "lost to the log only" });
  await failing.close();
  assert(logger.lines.some((l) => l.msg === "security events not stored at shutdown" && l.events === 1));
});

Deno.test("SecurityEventLog.unstored counts the events queued and those of the write under way", async () => {
  const store = new FlakyStore();
  const held = Promise.withResolvers<void>();
  store.hold = held.promise;
  const log = new SecurityEventLog(createMemoryLogger(), clock(), { store });
  for (let i = 0; i < 3; i++) log.record({ kind: "login_failed", reason: `held ${i}` });
  // The batch goes out at the end of the turn and hangs: a stop cut short reports these three.
  await new Promise((r) => setTimeout(r, 10));
  assertEquals(store.writes, 1);
  log.record({ kind: "login_failed", reason: "queued behind it" });
  assertEquals(log.unstored, 4);
  store.hold = null;
  held.resolve();
  await log.close();
  assertEquals(log.unstored, 0);
  assertEquals(store.events.length, 4);
});

Deno.test("SecurityEventLog on a KV store: events recorded before reopening are listed after, with filters", async () => {
  const dir = await Deno.makeTempDir({ prefix: "security_events_test_" });
  try {
    const path = `${dir}/security.kv`;
    const now = clock();
    {
      const store = await openKvStationSecurityStore(path);
      const log = new SecurityEventLog(createMemoryLogger(), now, { store });
      log.record({ kind: "station_auth_failed", chargePointId: "CP-1", reason: "Wrong AuthorizationKey" });
      log.record({ kind: "login_failed", principal: "root", reason: "Invalid username or password" });
      log.record({ kind: "station_refused", chargePointId: "CP-2", reason: "Not allowed" });
      await log.close();
      await store.close();
    }
    const store = await openKvStationSecurityStore(path);
    const log = new SecurityEventLog(createMemoryLogger(), now, { store });
    try {
      assertEquals(log.list(), []);
      const all = await log.page({ limit: 10 });
      assertEquals(all.items.map((e) => e.kind), ["station_refused", "login_failed", "station_auth_failed"]);
      assertEquals((await log.page({ limit: 10, chargePointId: "CP-1" })).items.length, 1);
      assertEquals((await log.page({ limit: 10, kind: "login_failed" })).items[0]?.principal, "root");
    } finally {
      await log.close();
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SecurityEventLog.record() replaces NUL characters, which PostgreSQL would refuse for the whole batch", async () => {
  const store = new FlakyStore();
  const events = new SecurityEventLog(createMemoryLogger(), () => new Date(T0), { store });
  events.record({ kind: "login_failed", principal: "ro\u0000ot", reason: "Invalid\u0000" });
  await events.flush();
  assertEquals(store.events.map((e) => [e.principal, e.reason]), [["ro\uFFFDot", "Invalid\uFFFD"]]);
  await events.close();
});

Deno.test("SecurityEventLog keeps a source's events up to its budget, then counts them in one summary", async () => {
  const store = new FlakyStore();
  const heard: string[] = [];
  const log = new SecurityEventLog(createMemoryLogger(), clock(), {
    store,
    sources: new RefusalThrottle({ burst: 2, perSecond: 0, summaryEveryMs: 60_000 }),
  });
  log.subscribe((e) => heard.push(e.kind));
  const kept = [];
  for (let i = 0; i < 10; i++) {
    kept.push(
      log.record({
        kind: "login_failed",
        principal: `user${i}`,
        remoteAddress: "203.0.113.9",
        reason: "Invalid",
      }),
    );
  }
  assertEquals(kept.filter((e) => e !== null).length, 2);
  // Other sources, and events about no source (a setting changed), have their own budget or none.
  assert(
    log.record({
      kind: "station_auth_failed",
      remoteAddress: "203.0.113.10",
      chargePointId: "CP-1",
      reason: "x",
    }),
  );
  for (let i = 0; i < 5; i++) {
    assert(log.record({ kind: "station_security_changed", principal: "user:root", reason: "x" }));
  }
  await log.flush();
  const summaries = () => store.events.filter((e) => e.kind === "source_events_suppressed");
  assertEquals(summaries().length, 1, "the first suppressed one is told at once");
  assertEquals(summaries()[0]!.remoteAddress, "203.0.113.9");
  assertEquals(
    summaries()[0]!.reason,
    "1 security events about this source not kept one by one (over its budget); the last: login_failed: Invalid",
  );
  assertEquals(store.events.filter((e) => e.kind === "login_failed").length, 2);
  assertEquals(heard.filter((k) => k === "login_failed").length, 2, "webhooks hear only what is kept");
  await log.close();
  // The other seven, at shutdown.
  assertEquals(summaries().length, 2);
  assert(summaries()[1]!.reason.startsWith("7 security events"), summaries()[1]!.reason);
});

Deno.test("SecurityEventLog reports the tail of a source's flood by a timer once the interval is up", async () => {
  const store = new FlakyStore();
  const log = new SecurityEventLog(createMemoryLogger(), () => new Date(), {
    store,
    sources: new RefusalThrottle({ burst: 1, perSecond: 0, summaryEveryMs: 30 }),
  });
  for (let i = 0; i < 4; i++) {
    log.record({ kind: "station_refused", remoteAddress: "10.0.0.9", reason: "Not in ALLOWED_IPS" });
  }
  await new Promise((r) => setTimeout(r, 150));
  await log.flush();
  const counts = store.events.filter((e) => e.kind === "source_events_suppressed").map((e) =>
    e.reason.split(" ")[0]
  );
  assertEquals(counts, ["1", "2"]);
  await log.close();
});

Deno.test("SecurityEventLog tells a forgotten source's suppressed count when its budget makes room", async () => {
  const store = new FlakyStore();
  const log = new SecurityEventLog(createMemoryLogger(), clock(), {
    store,
    sources: new RefusalThrottle({ burst: 1, perSecond: 0, summaryEveryMs: 60_000, maxSources: 1 }),
  });
  for (let i = 0; i < 5; i++) {
    log.record({ kind: "login_failed", remoteAddress: "10.0.0.1", reason: "Invalid" });
  }
  log.record({ kind: "login_failed", remoteAddress: "10.0.0.2", reason: "Invalid" });
  await log.flush();
  const counts = store.events.filter((e) => e.kind === "source_events_suppressed").map((
    e,
  ) => [e.remoteAddress, e.reason.split(" ")[0]]);
  // One at once (the first suppressed), the other three when 10.0.0.1 was dropped for 10.0.0.2.
  assertEquals(counts, [["10.0.0.1", "1"], ["10.0.0.1", "3"]]);
  await log.close();
});

Deno.test("SecurityEventLog: an attacker rotating /64s of one /48 is summarised as that /48, naming its last event", async () => {
  const store = new FlakyStore();
  const log = new SecurityEventLog(createMemoryLogger(), clock(), {
    store,
    sources: new RefusalThrottle({ burst: 2, perSecond: 0, summaryEveryMs: 60_000 }),
  });
  // A new /64 for every failed station auth: each /64 is within its own budget, every one would be kept.
  for (let net = 0; net < 200; net++) {
    log.record({
      kind: "station_auth_failed",
      chargePointId: `CP-${net}`,
      remoteAddress: `2001:db8:77:${net.toString(16)}::1`,
      reason: "Wrong AuthorizationKey",
    });
  }
  log.record({ kind: "login_failed", remoteAddress: "2001:db8:78::1", reason: "Invalid" });
  await log.close();
  assertEquals(store.events.filter((e) => e.kind === "station_auth_failed").length, 2 * 16, "16 /64s' worth");
  const summaries = store.events.filter((e) => e.kind === "source_events_suppressed");
  // The first at once, the rest at shutdown: 168 counted, none lost.
  assertEquals(
    summaries.map((e) => [e.remoteAddress, e.reason.split(" ")[0]]),
    [["2001:db8:77::/48", "1"], ["2001:db8:77::/48", "167"]],
  );
  assert(
    summaries[1]!.reason.endsWith("the last: station_auth_failed: Wrong AuthorizationKey"),
    summaries[1]!.reason,
  );
  assertEquals(store.events.filter((e) => e.kind === "login_failed").length, 1, "another /48 keeps its own");
});

Deno.test("SecurityEventLog.recordOnce() stores a CALL's event once, and tells (log line, ring, listeners) only what it stored", async () => {
  const store = await openKvStationSecurityStore(":memory:");
  const logger = createMemoryLogger();
  const log = new SecurityEventLog(logger, clock(), { store });
  const heard: string[] = [];
  log.subscribe((e) => heard.push(`${e.messageId} ${e.reason}`));
  try {
    const event = {
      kind: "station_event" as const,
      chargePointId: "CP-1",
      reason: "InvalidMessages",
      messageId: "m1",
    };
    const first = log.recordOnce(event);
    // Sent again in the same turn (one batch) and after it was stored: refused both times.
    const again = log.recordOnce(event);
    await log.flush();
    assertEquals([await first, await again], [true, false]);
    assertEquals(await log.recordOnce(event), false);
    // The same id with another event, or another station's: stored.
    assertEquals(await log.recordOnce({ ...event, reason: "SettingSystemTime" }), true);
    assertEquals(await log.recordOnce({ ...event, chargePointId: "CP-2" }), true);
    assertEquals(heard, ["m1 InvalidMessages", "m1 SettingSystemTime", "m1 InvalidMessages"]);
    assertEquals(log.list().length, 3);
    assertEquals(logger.lines.filter((l) => l.msg === "station_event").length, 3);
    assertEquals(logger.lines.filter((l) => l.msg === "security event sent again, stored already").length, 2);
    assertEquals((await log.page({ limit: 10 })).items.map((e) => e.messageId), ["m1", "m1", "m1"]);
    assertEquals(await log.hasEventOf(event), true);
    assertEquals(await log.hasEventOf({ ...event, messageId: "m2" }), false);
  } finally {
    await log.close();
    await store.close();
  }
});

Deno.test("SecurityEventLog.recordOnce() through an outage: a retransmission queued behind its first copy is refused when the store is back", async () => {
  const store = new FlakyStore();
  const log = new SecurityEventLog(createMemoryLogger(), clock(), { store, retryMs: 10 });
  const event = {
    kind: "station_event" as const,
    chargePointId: "CP-1",
    reason: "InvalidMessages",
    messageId: "m1",
  };
  store.down = true;
  const first = log.recordOnce(event);
  await assertRejects(() => log.flush());
  const again = log.recordOnce(event);
  await assertRejects(() => log.flush());
  assertEquals(log.list(), [], "not told before it is stored");
  store.down = false;
  await log.flush();
  assertEquals([await first, await again], [true, false]);
  assertEquals(store.events.length, 1);
  await log.close();
});

Deno.test("SecurityEventLog.withdraw() takes back a CALL's queued events, settled false; the station's copy under a new id is stored once", async () => {
  const store = new FlakyStore();
  const log = new SecurityEventLog(createMemoryLogger(), clock(), { store, retryMs: 10 });
  const event = { kind: "station_event" as const, chargePointId: "CP-1", reason: "InvalidMessages" };
  store.down = true;
  const first = log.recordOnce({ ...event, messageId: "m1" });
  const other = log.recordOnce({ ...event, chargePointId: "CP-2", messageId: "m1" });
  await assertRejects(() => log.flush());
  // Its turn failed: the station hears InternalError and sends the CALL again.
  assertEquals(log.withdraw("CP-1", "m1"), 1);
  assertEquals(await first, false);
  store.down = false;
  const again = log.recordOnce({ ...event, messageId: "m2" });
  await log.flush();
  assertEquals([await again, await other], [true, true]);
  assertEquals(store.events.map((e) => [e.chargePointId, e.messageId]), [["CP-2", "m1"], ["CP-1", "m2"]]);
  assertEquals(log.withdraw("CP-1", "m2"), 0, "a stored one is not taken back");
  await log.close();
});

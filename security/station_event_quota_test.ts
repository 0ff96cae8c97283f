import { assert, assertEquals, assertMatch } from "@std/assert";
import type { SecurityEvent } from "../store/security_events.ts";
import type { SecurityEventInput } from "./security_events.ts";
import { StationEventQuota, type StationEventQuotaOptions } from "./station_event_quota.ts";

type Stored = Pick<SecurityEvent, "at" | "kind">;

function setup(options: Partial<StationEventQuotaOptions> = {}, log: Stored[] = []) {
  let nowMs = Date.parse("2024-05-01T10:00:00Z");
  const reported: SecurityEventInput[] = [];
  const reads: string[] = [];
  const quota = new StationEventQuota({ max: 3, windowMs: 60_000, reportEveryMs: 10_000, ...options }, {
    history: (id, { kind, limit, since }) => {
      if (kind === "station_event") reads.push(id); // One read of the log, kind by kind.
      return Promise.resolve(log.filter((e) => e.kind === kind && e.at >= since).slice(0, limit));
    },
    record: (event) => reported.push(event),
    now: () => new Date(nowMs),
  });
  return {
    quota,
    reported,
    reads,
    advance: (ms: number) => (nowMs += ms),
    at: (ms: number) => new Date(nowMs + ms).toISOString(),
  };
}

const event = { kind: "station_event" as const, reason: "TamperDetectionActivated (station time x)" };

Deno.test("StationEventQuota.admit() stores up to max per window, then counts and reports the first drop at once", async () => {
  const { quota, reported } = setup();
  for (let i = 0; i < 3; i++) assert(await quota.admit("CP-1", event));
  assertEquals(await quota.admit("CP-1", event), false);
  assertEquals(reported.length, 1);
  assertEquals(reported[0]!.kind, "station_events_dropped");
  assertEquals(reported[0]!.chargePointId, "CP-1");
  assertMatch(reported[0]!.reason, /quota of 3 security events per 60 s: 1 dropped since .*TamperDetection/);
  // Another station has its own quota.
  assert(await quota.admit("CP-2", event));
  quota.close();
});

Deno.test("StationEventQuota reports the drops of a flood once per interval, with how many were critical", async () => {
  const { quota, reported, advance } = setup();
  for (let i = 0; i < 3; i++) await quota.admit("CP-1", event);
  for (let i = 0; i < 100; i++) await quota.admit("CP-1", event);
  const critical = { kind: "station_event_critical" as const, reason: "InvalidFirmwareSignature" };
  for (let i = 0; i < 4; i++) {
    assertEquals(await quota.admit("CP-1", critical), i < 3, "a quota of their own");
  }
  assertEquals(reported.length, 1, "one report for the first drop, the rest waits for the interval");
  quota.reportDue();
  assertEquals(reported.length, 1, "not yet due");
  advance(10_000);
  quota.reportDue();
  assertEquals(reported.length, 2);
  assertMatch(reported[1]!.reason, /100 dropped \(1 critical\).*the last: InvalidFirmwareSignature/);
  advance(10_000);
  quota.reportDue();
  assertEquals(reported.length, 2, "nothing dropped since: nothing to report");
  quota.close();
});

Deno.test("StationEventQuota reports the tail of a flood by its timer, once the interval is up", async () => {
  const reported: SecurityEventInput[] = [];
  const quota = new StationEventQuota({ max: 1, windowMs: 60_000, reportEveryMs: 30 }, {
    history: () => Promise.resolve([]),
    record: (e) => reported.push(e),
    now: () => new Date(),
  });
  for (let i = 0; i < 5; i++) await quota.admit("CP-1", event);
  assertEquals(reported.length, 1, "the first drop at once");
  await new Promise((resolve) => setTimeout(resolve, 100));
  assertEquals(reported.length, 2, "the three after it, by the timer");
  assertMatch(reported[1]!.reason, /: 3 dropped since/);
  quota.close();
  assertEquals(reported.length, 2);
});

Deno.test("StationEventQuota.close() reports the drops whose interval is not up yet", async () => {
  const { quota, reported } = setup();
  for (let i = 0; i < 5; i++) await quota.admit("CP-1", event);
  assertEquals(reported.length, 1);
  quota.close();
  assertEquals(reported.length, 2);
  assertMatch(reported[1]!.reason, /: 1 dropped since/);
});

Deno.test("StationEventQuota's window slides: events are stored again once the old ones are out of it", async () => {
  const { quota, advance } = setup();
  for (let i = 0; i < 3; i++) {
    assert(await quota.admit("CP-1", event));
    advance(20_000);
  }
  // 60 s after the first: it left the window, one place.
  assert(await quota.admit("CP-1", event));
  assertEquals(await quota.admit("CP-1", event), false);
  quota.close();
});

Deno.test("StationEventQuota starts from the shared log: a reconnect or another node does not reset it", async () => {
  const log: Stored[] = [];
  const { quota, reported, reads, at } = setup({}, log);
  log.push(
    { at: at(-1_000), kind: "station_events_dropped" },
    { at: at(-2_000), kind: "station_event" },
    { at: at(-3_000), kind: "station_auth_failed" },
    { at: at(-4_000), kind: "station_event" },
    { at: at(-5_000), kind: "csr_rejected" },
    { at: at(-6_000), kind: "station_event_critical" },
  );
  assertEquals(await quota.admit("CP-1", event), false, "three in the window already");
  assert(await quota.admit("CP-1", { kind: "station_event_critical", reason: "x" }), "one critical of three");
  assertEquals(reported.length, 0, "reported 1 s ago (by whichever node): the next report waits");
  assertEquals(reads, ["CP-1"]);
  await quota.admit("CP-1", event);
  assertEquals(reads.length, 1, "read once per connection");
  quota.left("CP-1");
  log.length = 0;
  assert(await quota.admit("CP-1", event), "read again after the station left: the log is empty now");
  assertEquals(reads.length, 2);
  quota.close();
  assertEquals(reported.length, 1, "the two drops are still reported, at close");
  assertMatch(reported[0]!.reason, /2 dropped/);
});

Deno.test("StationEventQuota: our own newer events about the id do not crowd its own out of the read", async () => {
  const log: Stored[] = [];
  const { quota, at } = setup({}, log);
  // 500 failed auths about the id (an attacker's), newer than its three events of the window.
  for (let i = 0; i < 500; i++) log.push({ at: at(-1 - i), kind: "station_auth_failed" });
  for (let i = 0; i < 3; i++) log.push({ at: at(-10_000 - i), kind: "station_event" });
  assertEquals(await quota.admit("CP-1", event), false, "three in the window already");
  quota.close();
});

Deno.test("StationEventQuota ignores events older than the window in the log", async () => {
  const log: Stored[] = [];
  const { quota, at } = setup({}, log);
  for (let i = 0; i < 3; i++) log.push({ at: at(-60_000 - i), kind: "station_event" });
  assert(await quota.admit("CP-1", event));
  quota.close();
});

Deno.test("StationEventQuota counts from now when the log cannot be read", async () => {
  const errors: string[] = [];
  const quota = new StationEventQuota({ max: 1, windowMs: 60_000, reportEveryMs: 10_000 }, {
    history: () => Promise.reject(new Error("store down")),
    record: () => {},
    now: () => new Date(),
    onHistoryError: (id) => errors.push(id),
  });
  assert(await quota.admit("CP-1", event));
  assertEquals(await quota.admit("CP-1", event), false);
  assertEquals(errors, ["CP-1"]);
  quota.close();
});

Deno.test("StationEventQuota with max 0 stores everything and reads nothing", async () => {
  const { quota, reads } = setup({ max: 0 });
  for (let i = 0; i < 100; i++) assert(await quota.admit("CP-1", event));
  assertEquals(reads, []);
  quota.close();
});

Deno.test("StationEventQuota reports a forgotten station's drops before forgetting it", async () => {
  const { quota, reported } = setup({ max: 1, maxStations: 2 });
  await quota.admit("CP-1", event);
  await quota.admit("CP-1", event); // dropped, reported at once
  await quota.admit("CP-1", event); // dropped, pending
  assertEquals(reported.length, 1);
  await quota.admit("CP-2", event);
  await quota.admit("CP-3", event); // CP-1 is forgotten
  assertEquals(reported.length, 2);
  assertMatch(reported[1]!.reason, /1 dropped/);
  quota.close();
  assertEquals(reported.length, 2);
});

Deno.test("StationEventQuota.refund() gives back the place of an event the log refused as stored already", async () => {
  const { quota, reported } = setup();
  for (let i = 0; i < 3; i++) assert(await quota.admit("CP-1", event));
  quota.refund("CP-1", event);
  assert(await quota.admit("CP-1", event), "the refused one's place");
  assertEquals(await quota.admit("CP-1", event), false);
  // Critical events have their own places: a refund of one gives back none of the others'.
  quota.refund("CP-1", { kind: "station_event_critical" });
  assertEquals(await quota.admit("CP-1", event), false);
  assertMatch(reported.at(-1)!.reason, /1 dropped/);
  quota.close();
  assertEquals(reported.map((r) => /: (\d+) dropped/.exec(r.reason)?.[1]), ["1", "1"], "two drops in all");
});

Deno.test("StationEventQuota.admit() past the quota counts no drop for an event the log holds already", async () => {
  const { quota, reported } = setup();
  for (let i = 0; i < 3; i++) {
    assert(await quota.admit("CP-1", event, () => Promise.reject(new Error("not asked"))));
  }
  let asked = 0;
  const stored = () => Promise.resolve(++asked > 0);
  assertEquals(await quota.admit("CP-1", event, stored), false);
  assertEquals([asked, reported.length], [1, 0], "a retransmission: neither stored nor dropped");
  // Unreadable: counted, as a drop.
  assertEquals(await quota.admit("CP-1", event, () => Promise.reject(new Error("down"))), false);
  assertEquals(await quota.admit("CP-1", event, () => Promise.resolve(false)), false);
  quota.close();
  assertEquals(reported.map((r) => /: (\d+) dropped/.exec(r.reason)?.[1]), ["1", "1"]);
});

import { assertEquals } from "@std/assert";
import { FrameLog } from "./frame_log.ts";

const at = new Date("2026-01-01T00:00:00Z");

Deno.test("FrameLog keeps the last N frames of a station, oldest first", () => {
  const log = new FrameLog(3, 10);
  for (let i = 1; i <= 5; i++) log.record("CP-1", i % 2 ? "in" : "out", `f${i}`, at);
  assertEquals(log.list("CP-1").map((e) => [e.direction, e.frame]), [["in", "f3"], ["out", "f4"], [
    "in",
    "f5",
  ]]);
  assertEquals(log.list("CP-unknown"), []);
});

Deno.test("FrameLog forgets the least recently active station beyond its station cap", () => {
  const log = new FrameLog(2, 2);
  log.record("A", "in", "a", at);
  log.record("B", "in", "b", at);
  log.record("A", "in", "a2", at);
  log.record("C", "in", "c", at);
  assertEquals(log.list("B"), []);
  assertEquals(log.list("A").length, 2);
  assertEquals(log.list("C").length, 1);
});

Deno.test("FrameLog cuts very long frames and records nothing when sized 0", () => {
  const log = new FrameLog(1, 1);
  log.record("A", "out", "x".repeat(5000), at);
  assertEquals(log.list("A")[0]?.frame.length, 2001);
  const off = new FrameLog(0, 1);
  off.record("A", "in", "x", at);
  assertEquals(off.list("A"), []);
});

Deno.test("FrameLog.pruneBefore() forgets frames older than the cutoff and stations left without any", () => {
  const log = new FrameLog(10, 100);
  log.record("CP-1", "in", '[2,"1","Heartbeat",{}]', new Date("2026-01-01T00:00:00.000Z"));
  log.record("CP-1", "out", '[3,"1",{}]', new Date("2026-01-01T00:10:00.000Z"));
  log.record("CP-2", "in", '[2,"2","Heartbeat",{}]', new Date("2026-01-01T00:01:00.000Z"));
  assertEquals(log.pruneBefore(new Date("2026-01-01T00:05:00.000Z")), 2);
  assertEquals(log.list("CP-1").map((f) => f.direction), ["out"]);
  assertEquals(log.list("CP-2"), []);
  assertEquals(log.pruneBefore(new Date("2026-01-01T00:05:00.000Z")), 0);
});

Deno.test("FrameLog keeps order across many wraps of a station's ring, and after pruning part of it", () => {
  const log = new FrameLog(4, 10);
  const t = (i: number) => new Date(Date.parse("2026-01-01T00:00:00.000Z") + i * 1000);
  for (let i = 1; i <= 11; i++) log.record("CP-1", "in", `f${i}`, t(i));
  assertEquals(log.list("CP-1").map((e) => e.frame), ["f8", "f9", "f10", "f11"]);
  assertEquals(log.list("CP-1").map((e) => e.at), [8, 9, 10, 11].map((i) => t(i).toISOString()));
  // f8 and f9 are older than the cutoff, wherever they sit in the ring.
  assertEquals(log.pruneBefore(t(10)), 2);
  assertEquals(log.list("CP-1").map((e) => e.frame), ["f10", "f11"]);
  for (let i = 12; i <= 14; i++) log.record("CP-1", "out", `f${i}`, t(i));
  assertEquals(log.list("CP-1").map((e) => e.frame), ["f11", "f12", "f13", "f14"]);
});

Deno.test("FrameLog forgets stations in least recently active order, however they interleave", () => {
  const log = new FrameLog(2, 3);
  // A mirror of what the log must do: a list in activity order, the least recent dropped beyond 3.
  let expected: string[] = [];
  const ids = ["A", "B", "C", "D", "E"];
  let seed = 7;
  for (let i = 0; i < 500; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const id = ids[seed % ids.length]!;
    log.record(id, i % 2 ? "in" : "out", `f${i}`, at);
    expected = [...expected.filter((e) => e !== id), id];
    if (expected.length > 3) expected.shift();
    assertEquals(log.stations(), expected, `after frame ${i}`);
  }
  for (const id of ids) assertEquals(log.list(id).length > 0, expected.includes(id));
  // Pruning everything forgets every station, and the log starts over cleanly.
  log.pruneBefore(new Date(at.getTime() + 1));
  assertEquals(log.stations(), []);
  log.record("B", "in", "again", at);
  log.record("A", "in", "again", at);
  assertEquals(log.stations(), ["B", "A"]);
});

Deno.test("FrameLog shows a short frame with its secrets redacted (redacted when read)", () => {
  const log = new FrameLog(2, 2);
  const frame = '[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"0123456789abcdef"}]';
  log.record("A", "out", frame, at);
  const [shown] = log.list("A");
  assertEquals(shown?.frame, '[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"[redacted]"}]');
  assertEquals(log.list("A")[0]?.frame, shown?.frame);
});

Deno.test("FrameLog redacts a long frame before cutting it (a cut frame is no JSON to redact)", () => {
  const log = new FrameLog(2, 2);
  const frame = JSON.stringify([2, "1", "DataTransfer", {
    vendorId: "v",
    password: "hunter2",
    data: "x".repeat(5000),
  }]);
  log.record("A", "in", frame, at);
  const shown = log.list("A")[0]?.frame ?? "";
  assertEquals(shown.length, 2001);
  assertEquals(
    shown.startsWith('[2,"1","DataTransfer",{"vendorId":"v","password":"[redacted]","data":"xx'),
    true,
  );
});

Deno.test("FrameLog keeps exactly the last N frames through frames of every size, in any script", () => {
  const perStation = 5;
  const log = new FrameLog(perStation, 10);
  // A mirror of what the log must show: the last N frames of each station, long ones cut.
  const expected = new Map<string, string[]>();
  const pieces = ["a", "é", "€", "😀", '[2,"1","MeterValues",{}]'];
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < 3000; i++) {
    const id = `CP-${next() % 3}`;
    // Mostly short frames, now and then one of a few KB, rarely one past the cut.
    const size = next() % 20 === 0 ? next() % 2600 : next() % 120;
    const piece = pieces[next() % pieces.length]!;
    // Whole characters: a frame decoded from the network never holds half of one.
    const frame = `${i}:` + [...piece.repeat(Math.ceil(size / piece.length))].slice(0, size).join("");
    log.record(id, "in", frame, at);
    // Cut at 2,000 UTF-16 units, one fewer where that would split a character.
    const cut = /[\ud800-\udbff]/.test(frame[1999] ?? "") ? 1999 : 2000;
    const shown = frame.length > 2000 ? `${frame.slice(0, cut)}…` : frame;
    const kept = [...(expected.get(id) ?? []), shown].slice(-perStation);
    expected.set(id, kept);
    assertEquals(log.list(id).map((e) => e.frame), kept, `after frame ${i}`);
  }
});

Deno.test("FrameLog keeps the time and direction of each frame through wraps", () => {
  const log = new FrameLog(3, 1);
  const t = (i: number) => new Date(Date.parse("2026-01-01T00:00:00.000Z") + i * 1500);
  for (let i = 0; i < 50; i++) log.record("A", i % 3 ? "in" : "out", "x".repeat(i * 37 % 700), t(i));
  assertEquals(log.list("A").map((e) => [e.at, e.direction]), [
    [t(47).toISOString(), "in"],
    [t(48).toISOString(), "out"],
    [t(49).toISOString(), "in"],
  ]);
});

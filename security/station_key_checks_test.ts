import { assert, assertEquals } from "@std/assert";
import { StationKeyChecks } from "./station_key_checks.ts";

const turnOf = (checks: StationKeyChecks, address: string, nowMs: number) => {
  const turn = checks.take(address, nowMs);
  if (!("release" in turn)) throw new Error(`No turn: wait ${turn.retryAfterMs} ms`);
  return turn;
};

Deno.test("StationKeyChecks.take() gives a source perSource checks at once, then 1 s", () => {
  const checks = new StationKeyChecks({ perSource: 2, failureBurst: 100, failuresPerSecond: 1 });
  const a = turnOf(checks, "10.0.0.9", 0);
  turnOf(checks, "10.0.0.9", 0);
  assertEquals(checks.take("10.0.0.9", 0), { retryAfterMs: 1000, busy: true });
  turnOf(checks, "10.0.0.10", 0);
  a.release(true);
  turnOf(checks, "10.0.0.9", 0);
});

Deno.test("StationKeyChecks.take() spends failures from the burst, earns them back at the rate; right keys are free", () => {
  const checks = new StationKeyChecks({ perSource: 10, failureBurst: 2, failuresPerSecond: 0.5 });
  for (let i = 0; i < 5; i++) turnOf(checks, "10.0.0.9", 0).release(false);
  turnOf(checks, "10.0.0.9", 0).release(true);
  turnOf(checks, "10.0.0.9", 0).release(true);
  assertEquals(checks.take("10.0.0.9", 0), { retryAfterMs: 2000 });
  assertEquals(checks.take("10.0.0.9", 1000), { retryAfterMs: 1000 });
  turnOf(checks, "10.0.0.9", 2000).release(true);
});

Deno.test("StationKeyChecks.take() holds an IPv6 source to its /64, and its /48 to 16 times that", () => {
  const checks = new StationKeyChecks({ perSource: 10, failureBurst: 1, failuresPerSecond: 0 });
  turnOf(checks, "2001:db8:1:1::1", 0).release(true);
  assertEquals(checks.take("2001:db8:1:1::2", 0), { retryAfterMs: 60_000 });
  for (let i = 2; i <= 16; i++) turnOf(checks, `2001:db8:1:${i}::1`, 0).release(true);
  const seventeenth = checks.take("2001:db8:1:ff::1", 0);
  assert("retryAfterMs" in seventeenth);
  turnOf(checks, "2001:db8:2:1::1", 0);
});

Deno.test("StationKeyChecks.turn() waits for a running check of its source to end, up to its bound", async () => {
  const checks = new StationKeyChecks({ perSource: 1, failureBurst: 100, failuresPerSecond: 1 });
  const first = turnOf(checks, "10.0.0.9", 0);
  const waiting = checks.turn("10.0.0.9", 0, 2000);
  setTimeout(() => first.release(false), 100);
  const second = await waiting;
  assertEquals("release" in second, true, JSON.stringify(second));
  // None ends within the bound: busy.
  assertEquals(await checks.turn("10.0.0.9", 0, 120), { retryAfterMs: 1000, busy: true });
});

Deno.test("StationKeyChecks.turn() remembers no source whose wait ended: /64s waiting on their busy /48 leave nothing behind", async () => {
  const checks = new StationKeyChecks({ perSource: 1, failureBurst: 100, failuresPerSecond: 1 });
  // The /48's 16 checks held by 16 of its /64s; others of it wait, then hear busy (no check of theirs ends).
  const held = Array.from({ length: 16 }, (_, i) => turnOf(checks, `2001:db8:7:${i}::1`, 0));
  const waits = Array.from({ length: 20 }, (_, i) => checks.turn(`2001:db8:7:${100 + i}::1`, 0, 60));
  for (const turn of await Promise.all(waits)) assertEquals(turn, { retryAfterMs: 1000, busy: true });
  assertEquals(checks.waitingSources, 0);
  for (const turn of held) turn.release(false);
});

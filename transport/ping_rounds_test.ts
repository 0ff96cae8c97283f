import { assertEquals } from "@std/assert";
import { PingRounds } from "./ping_rounds.ts";

/** Sockets that note when they were pinged. */
function sockets(n: number, clock: { ms: number }) {
  const made = Array.from({ length: n }, (_, i) => ({ id: i, pings: [] as number[], ping() {} }));
  for (const s of made) s.ping = () => void s.pings.push(clock.ms);
  return { set: new Set(made), made };
}

/** Ticks every `rounds.tickMs` from `from` to `until` (ms); returns each tick's count. */
function run(rounds: PingRounds<{ ping(): void }>, clock: { ms: number }, until: number): number[] {
  const counts: number[] = [];
  for (; clock.ms <= until; clock.ms += rounds.tickMs) counts.push(rounds.tick(clock.ms));
  return counts;
}

Deno.test("PingRounds pings every socket once per interval, a slice per tick", () => {
  const clock = { ms: 0 };
  const { set, made } = sockets(1000, clock);
  const rounds = new PingRounds(set, 60_000);
  assertEquals(rounds.tickMs, 1000);
  const counts = run(rounds, clock, 179_000);
  // 17 a tick (ceil(1000 / 60)): no tick pings more than its slice.
  assertEquals(Math.max(...counts), 17);
  for (const s of made) {
    assertEquals(s.pings.length, 3, `socket ${s.id}`);
    const gaps = s.pings.slice(1).map((at, i) => at - s.pings[i]!);
    assertEquals(gaps.every((gap) => gap === 60_000), true, `socket ${s.id}: ${gaps}`);
  }
});

Deno.test("PingRounds: a socket that opens mid-round joins it, one that closes is skipped", () => {
  const clock = { ms: 0 };
  const { set, made } = sockets(120, clock);
  const rounds = new PingRounds(set, 60_000);
  run(rounds, clock, 10_000);
  const late = { id: 999, pings: [] as number[], ping: () => void late.pings.push(clock.ms) };
  set.add(late);
  const gone = made.at(-1)!;
  set.delete(gone);
  run(rounds, clock, 59_000);
  assertEquals(late.pings.length, 1);
  assertEquals(gone.pings, []);
  assertEquals(made.slice(0, -1).every((s) => s.pings.length === 1), true);
});

Deno.test("PingRounds: a round that ends early waits for the interval; a short interval pings all at once", () => {
  const clock = { ms: 0 };
  const { set, made } = sockets(60, clock);
  const rounds = new PingRounds(set, 60_000);
  run(rounds, clock, 5_000);
  // Most sockets close: the round ends sooner, but the next one begins an interval after this one began.
  for (const s of made.slice(10)) set.delete(s);
  run(rounds, clock, 119_000);
  const kept = made.slice(0, 10);
  assertEquals(kept.map((s) => s.pings), kept.map((_, i) => [i * 1000, 60_000 + i * 1000]));

  const fast = sockets(500, { ms: 0 });
  const everySecond = new PingRounds(fast.set, 1000);
  assertEquals(
    [everySecond.tickMs, everySecond.tick(0), everySecond.tick(1000), everySecond.tick(2000)],
    [1000, 500, 500, 500],
  );
});

import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { MemoryAuthBackoff, PREFIX_48_SHARE } from "../security/auth_backoff.ts";
import { SecurityEventLog } from "../security/security_events.ts";
import { LoginGuard } from "./login_guard.ts";

function guard(freeFailures: number) {
  const now = () => new Date(0);
  const events = new SecurityEventLog(createMemoryLogger(), now);
  const backoff = new MemoryAuthBackoff({ freeFailures, baseMs: 1000, maxMs: 60_000 });
  return { guard: new LoginGuard({ backoff, events, now }), events };
}

Deno.test("LoginGuard.admit() lets no more parallel logins through than sequential ones", async () => {
  const { guard: g } = guard(3);
  const verdicts = await Promise.all(Array.from({ length: 20 }, () => g.admit("10.0.0.9", "root")));
  assertEquals(
    verdicts.filter((v) => v === null).length,
    4,
    "the 3 free guesses and the one that starts the wait",
  );
  assertEquals(verdicts.filter((v) => v?.retryAfterS === 1).length, 16);
  assertEquals(await g.admit("10.0.0.10", "root"), null, "another address has its own budget");
});

Deno.test("LoginGuard: a success clears the admitted attempts; a failure only writes its event", async () => {
  const { guard: g, events } = guard(1);
  assertEquals(await g.admit("10.0.0.9", "root"), null);
  await g.succeeded("10.0.0.9", "root");
  assertEquals(await g.admit("10.0.0.9", "root"), null);
  g.failed("10.0.0.9", "root");
  assertEquals(await g.admit("10.0.0.9", "root"), null, "the failure was counted once, when admitted");
  g.failed("10.0.0.9", "root");
  assertEquals(await g.admit("10.0.0.9", "root"), { retryAfterS: 1 });
  assertEquals(
    events.list().map((e) => [e.kind, e.remoteAddress]),
    [["login_rate_limited", "10.0.0.9"], ["login_failed", "10.0.0.9"], ["login_failed", "10.0.0.9"]],
  );
});

function guardWith48(freeFailures: number) {
  let ms = 0;
  const now = () => new Date(ms);
  const events = new SecurityEventLog(createMemoryLogger(), now);
  const options = { baseMs: 1000, maxMs: 60_000 };
  const backoff = new MemoryAuthBackoff({ ...options, freeFailures });
  const prefixBackoff = new MemoryAuthBackoff({ ...options, freeFailures: freeFailures * PREFIX_48_SHARE });
  return {
    guard: new LoginGuard({ backoff, prefixBackoff, events, now }),
    events,
    advance: (by: number) => (ms += by),
  };
}

Deno.test("LoginGuard: /64s rotated within one /48 get its free failures (16 /64s' worth) in all, then wait", async () => {
  const { guard: g, events } = guardWith48(1);
  const verdicts = [];
  for (let net = 0; net < 100; net++) {
    verdicts.push(await g.admit(`2001:db8:77:${net.toString(16)}::1`, "root"));
  }
  // 16 free, then the one that starts the /48's wait.
  assertEquals(verdicts.filter((v) => v === null).length, 17);
  assertEquals(verdicts.slice(17).every((v) => v?.retryAfterS === 1), true);
  // One event for the /48's wait, not one per /64.
  assertEquals(events.list().map((e) => e.kind), ["login_rate_limited"]);
  assertEquals(await g.admit("2001:db8:78::1", "root"), null, "another /48 has its own");
  assertEquals(await g.admit("2001:db8:77:ffff::1", "someone-else"), null, "and another username");
});

Deno.test("LoginGuard: a /64 that waits spends nothing of its /48 while it knocks", async () => {
  const { guard: g } = guardWith48(1);
  assertEquals(await g.admit("2001:db8:77:1::1", "root"), null);
  assertEquals(
    await g.admit("2001:db8:77:1::2", "root"),
    null,
    "the /64's free failure and the one that starts it",
  );
  for (let i = 0; i < 50; i++) assertEquals(await g.admit("2001:db8:77:1::3", "root"), { retryAfterS: 1 });
  // The /48 counted two of its 16: 14 more /64s get in before it waits.
  const others = [];
  for (let net = 2; net < 20; net++) others.push(await g.admit(`2001:db8:77:${net.toString(16)}::1`, "root"));
  assertEquals(others.filter((v) => v === null).length, 15);
});

Deno.test("LoginGuard: a success clears the /48 too; IPv4 addresses keep a back-off each", async () => {
  const { guard: g, advance } = guardWith48(0);
  assertEquals(await g.admit("2001:db8:77:1::1", "root"), null);
  assertEquals(await g.admit("2001:db8:77:2::1", "root"), { retryAfterS: 1 }, "the /48 waits");
  advance(1000);
  assertEquals(await g.admit("2001:db8:77:2::1", "root"), null);
  assertEquals(await g.admit("2001:db8:77:3::1", "root"), { retryAfterS: 2 }, "longer after each failure");
  advance(2000);
  assertEquals(await g.admit("2001:db8:77:3::1", "root"), null);
  await g.succeeded("2001:db8:77:3::1", "root");
  assertEquals(await g.admit("2001:db8:77:4::1", "root"), null, "the /48 starts over");
  for (let i = 1; i <= 50; i++) assertEquals(await g.admit(`10.0.0.${i}`, "root"), null, `10.0.0.${i}`);
  assertEquals(await g.admit("10.0.0.1", "root"), { retryAfterS: 1 }, "an IPv4 address alone waits");
});

Deno.test("LoginGuard: parallel guesses from 100 /64s of one /48 get no more through than sequential ones", async () => {
  const { guard: g, events } = guardWith48(1);
  const verdicts = await Promise.all(
    Array.from({ length: 100 }, (_, net) => g.admit(`2001:db8:77:${net.toString(16)}::1`, "root")),
  );
  assertEquals(verdicts.filter((v) => v === null).length, 17);
  assertEquals(events.list().map((e) => e.kind), ["login_rate_limited"], "the /48 waits: one event");
});

import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { MemoryAuthBackoff } from "../security/auth_backoff.ts";
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

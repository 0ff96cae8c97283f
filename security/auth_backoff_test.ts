import { assertEquals } from "@std/assert";
import { backoffKey, backoffSource, MemoryAuthBackoff, sourcePrefix48 } from "./auth_backoff.ts";

Deno.test("MemoryAuthBackoff lets the free failures through, then doubles the wait up to the maximum", async () => {
  const b = new MemoryAuthBackoff({ freeFailures: 2, baseMs: 1000, maxMs: 5000 });
  const k = backoffKey("10.0.0.1", "cp", "CP-1");
  assertEquals(await b.attempt(k, 0), 0);
  assertEquals(await b.attempt(k, 0), 0);
  assertEquals(await b.retryAfterMs(k, 0), 0);
  assertEquals(await b.attempt(k, 0), 0, "the third goes ahead and starts the wait");
  assertEquals(await b.retryAfterMs(k, 400), 600);
  assertEquals(await b.attempt(k, 400), 600, "refused while it waits, and not counted");
  assertEquals(await b.attempt(k, 1000), 0);
  assertEquals(await b.retryAfterMs(k, 1000), 2000);
  assertEquals(await b.attempt(k, 3000), 0);
  assertEquals(await b.retryAfterMs(k, 3000), 4000);
  assertEquals(await b.attempt(k, 7000), 0);
  assertEquals(await b.retryAfterMs(k, 7000), 5000, "at most maxMs");
  assertEquals(await b.retryAfterMs(k, 12_000), 0);
});

Deno.test("MemoryAuthBackoff keys a source together with what it tried; a success clears only that key", async () => {
  const b = new MemoryAuthBackoff({ freeFailures: 0, baseMs: 100, maxMs: 10_000 });
  await b.attempt(backoffKey("10.0.0.1", "cp", "X"), 0);
  assertEquals(await b.retryAfterMs(backoffKey("10.0.0.1", "cp", "X"), 0), 100);
  assertEquals(await b.retryAfterMs(backoffKey("10.0.0.2", "cp", "X"), 0), 0, "another source");
  assertEquals(await b.retryAfterMs(backoffKey("10.0.0.1", "cp", "Y"), 0), 0, "another id");
  assertEquals(await b.retryAfterMs(backoffKey("10.0.0.1", "user", "X"), 0), 0, "a username");
  await b.succeeded(backoffKey("10.0.0.1", "cp", "X"));
  assertEquals(await b.retryAfterMs(backoffKey("10.0.0.1", "cp", "X"), 0), 0);
});

Deno.test("sourcePrefix48() gives an IPv6 address's /48 and nothing for IPv4, mapped or not", () => {
  assertEquals(sourcePrefix48("2001:db8:1:2:aaaa::1"), "2001:db8:1::/48");
  assertEquals(sourcePrefix48("2001:db8:1:ffff:ffff:ffff:ffff:ffff"), "2001:db8:1::/48");
  assertEquals(sourcePrefix48("[2001:db8:abcd:12::1]"), "2001:db8:abcd::/48");
  assertEquals(sourcePrefix48("::1"), "0:0:0::/48");
  assertEquals(sourcePrefix48("::ffff:10.0.0.1"), null);
  assertEquals(sourcePrefix48("10.0.0.1"), null);
  assertEquals(sourcePrefix48("unknown"), null);
});

Deno.test("backoffSource() keys IPv6 by /64 and IPv4-mapped addresses by their IPv4 form", () => {
  assertEquals(backoffSource("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assertEquals(backoffSource("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  assertEquals(backoffSource("[2001:db8:1:3::1]"), "2001:db8:1:3::/64");
  assertEquals(backoffSource("::ffff:10.0.0.1"), "10.0.0.1");
  assertEquals(backoffSource("10.0.0.1"), "10.0.0.1");
  assertEquals(backoffSource("unknown"), "unknown");
  assertEquals(
    backoffKey("2001:db8:1:2::1", "user", "root"),
    backoffKey("2001:db8:1:2::beef", "user", "root"),
  );
});

Deno.test("MemoryAuthBackoff forgets quiet keys and stays within maxKeys", async () => {
  const b = new MemoryAuthBackoff({ freeFailures: 0, baseMs: 100, maxMs: 1000, maxKeys: 3 });
  await b.attempt("a", 0);
  await b.attempt("a", 3000);
  assertEquals(
    await b.retryAfterMs("a", 3000),
    100,
    "forgotten after 2 x maxMs: counted from the first again",
  );
  for (const k of ["b", "c", "d", "e"]) await b.attempt(k, 3000);
  assertEquals(b.size, 3);
  assertEquals(await b.retryAfterMs("a", 3000), 0);
});

Deno.test("MemoryAuthBackoff.attempt() counts parallel attempts before they are checked", async () => {
  const b = new MemoryAuthBackoff({ freeFailures: 2, baseMs: 1000, maxMs: 5000 });
  const waits = await Promise.all(Array.from({ length: 10 }, () => b.attempt("k", 0)));
  // As one after another: the free failures and the one that starts the wait go ahead, nobody else.
  assertEquals(waits, [0, 0, 0, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
  assertEquals(await b.attempt("k", 1000), 0, "after the wait, one more");
  assertEquals(await b.attempt("k", 1000), 2000, "which doubled it");
  await b.succeeded("k");
  assertEquals(await b.attempt("k", 1000), 0, "a success clears the attempts in flight too");
});

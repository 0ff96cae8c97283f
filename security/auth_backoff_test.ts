import { assertEquals } from "@std/assert";
import { AuthBackoff } from "./auth_backoff.ts";

Deno.test("AuthBackoff lets the free failures through, then doubles the wait up to the maximum", () => {
  const b = new AuthBackoff({ freeFailures: 2, baseMs: 1000, maxMs: 5000 });
  const k = ["ip:10.0.0.1"];
  assertEquals(b.failed(k, 0), 0);
  assertEquals(b.failed(k, 0), 0);
  assertEquals(b.retryAfterMs(k, 0), 0);
  assertEquals(b.failed(k, 0), 1000);
  assertEquals(b.retryAfterMs(k, 400), 600);
  assertEquals(b.failed(k, 1000), 2000);
  assertEquals(b.failed(k, 3000), 4000);
  assertEquals(b.failed(k, 7000), 5000);
  assertEquals(b.retryAfterMs(k, 12_000), 0);
});

Deno.test("AuthBackoff blocks on the worst of several keys, and a success clears them", () => {
  const b = new AuthBackoff({ freeFailures: 0, baseMs: 100, maxMs: 10_000 });
  b.failed(["ip:a", "cp:X"], 0);
  b.failed(["ip:b", "cp:X"], 0);
  assertEquals(b.retryAfterMs(["ip:c", "cp:X"], 0), 200);
  assertEquals(b.retryAfterMs(["ip:a", "cp:Y"], 0), 100);
  b.succeeded(["cp:X"]);
  assertEquals(b.retryAfterMs(["ip:c", "cp:X"], 0), 0);
});

Deno.test("AuthBackoff forgets quiet keys and stays within maxKeys", () => {
  const b = new AuthBackoff({ freeFailures: 0, baseMs: 100, maxMs: 1000, maxKeys: 3 });
  b.failed(["a"], 0);
  assertEquals(b.failed(["a"], 3000), 100);
  for (const k of ["b", "c", "d", "e"]) b.failed([k], 3000);
  assertEquals(b.size, 3);
  assertEquals(b.retryAfterMs(["a"], 3000), 0);
});

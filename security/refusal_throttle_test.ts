import { assertEquals } from "@std/assert";
import { RefusalThrottle } from "./refusal_throttle.ts";

Deno.test("RefusalThrottle lets a burst through, then is quiet with a summary at most once per interval", () => {
  const t = new RefusalThrottle({ burst: 3, perSecond: 1, summaryEveryMs: 10_000 });
  const quiet = (at: number) => t.refused("10.0.0.9", at);
  assertEquals([quiet(0).quiet, quiet(0).quiet, quiet(0).quiet], [false, false, false]);
  const first = quiet(0);
  assertEquals(first, { quiet: true, retryAfterS: 1, summary: { source: "10.0.0.9", suppressed: 1 } });
  for (let i = 0; i < 5; i++) assertEquals((quiet(100) as { summary: unknown }).summary, null);
  // A second later one token is back: out loud once, then quiet again.
  assertEquals(quiet(1200).quiet, false);
  assertEquals(quiet(1200).quiet, true);
  // Ten seconds on the bucket is full again; once it is spent, the next summary counts what was suppressed.
  assertEquals([quiet(11_000).quiet, quiet(11_000).quiet, quiet(11_000).quiet], [false, false, false]);
  const later = quiet(11_000);
  assertEquals(later.quiet && later.summary, { source: "10.0.0.9", suppressed: 7 });
});

Deno.test("RefusalThrottle keeps a budget per source, an IPv6 source per /64", () => {
  const t = new RefusalThrottle({ burst: 1, perSecond: 0.001 });
  assertEquals(t.refused("2001:db8:1:2::1", 0).quiet, false);
  assertEquals(t.refused("2001:db8:1:2::ffff", 0).quiet, true);
  assertEquals(t.refused("2001:db8:1:3::1", 0).quiet, false);
  assertEquals(t.refused("10.0.0.1", 0).quiet, false);
});

Deno.test("RefusalThrottle.dueSummaries() gives the tail of a quiet source once its interval is up", () => {
  const t = new RefusalThrottle({ burst: 1, perSecond: 0.001, summaryEveryMs: 10_000 });
  t.refused("10.0.0.9", 0);
  assertEquals(t.pending, false);
  t.refused("10.0.0.9", 0); // quiet, summarised at once
  t.refused("10.0.0.9", 100);
  t.refused("10.0.0.9", 200);
  assertEquals(t.pending, true);
  assertEquals(t.dueSummaries(5_000), []);
  assertEquals(t.dueSummaries(10_000), [{ source: "10.0.0.9", suppressed: 2 }]);
  assertEquals(t.pending, false);
  assertEquals(t.dueSummaries(30_000), []);
  t.refused("10.0.0.9", 30_001); // summarised at once: the last summary is long ago
  t.refused("10.0.0.9", 30_002);
  assertEquals(t.dueSummaries(30_003), []);
  assertEquals(t.dueSummaries(30_003, true), [{ source: "10.0.0.9", suppressed: 1 }]);
});

Deno.test("RefusalThrottle: a source forgotten to make room gives its suppressed count, not a silent loss", () => {
  const t = new RefusalThrottle({ burst: 1, perSecond: 0.001, maxSources: 2, summaryEveryMs: 60_000 });
  t.refused("10.0.0.1", 0);
  t.refused("10.0.0.1", 1); // summarised at once (1)
  t.refused("10.0.0.1", 2);
  t.refused("10.0.0.1", 3); // two since that summary
  assertEquals(t.refused("10.0.0.2", 4), { quiet: false });
  // A third source: the least recent, 10.0.0.1, is dropped with what it held.
  assertEquals(t.refused("10.0.0.3", 5), { quiet: false, forgotten: { source: "10.0.0.1", suppressed: 2 } });
  assertEquals(t.refused("10.0.0.4", 6), { quiet: false }, "10.0.0.2 suppressed nothing");
});

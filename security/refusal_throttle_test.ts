import { assertEquals } from "@std/assert";
import { PREFIX_48_SHARE } from "./auth_backoff.ts";
import { RefusalThrottle } from "./refusal_throttle.ts";

Deno.test("RefusalThrottle lets a burst through, then is quiet with a summary at most once per interval", () => {
  const t = new RefusalThrottle({ burst: 3, perSecond: 1, summaryEveryMs: 10_000 });
  const quiet = (at: number) => t.refused("10.0.0.9", at);
  assertEquals([quiet(0).quiet, quiet(0).quiet, quiet(0).quiet], [false, false, false]);
  const first = quiet(0);
  assertEquals(first, {
    quiet: true,
    source: "10.0.0.9",
    retryAfterS: 1,
    summary: { source: "10.0.0.9", suppressed: 1 },
  });
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
  assertEquals(t.refused("10.0.0.3", 5), {
    quiet: false,
    forgotten: [{ source: "10.0.0.1", suppressed: 2 }],
  });
  assertEquals(t.refused("10.0.0.4", 6), { quiet: false }, "10.0.0.2 suppressed nothing");
});

/** `count` addresses in as many /64s of the /48 `2001:db8:<site>::/48`. */
function sixtyFours(site: number, count: number, from = 0): string[] {
  return Array.from(
    { length: count },
    (_, i) => `2001:db8:${site.toString(16)}:${(from + i).toString(16)}::1`,
  );
}

Deno.test("RefusalThrottle: /64s rotated within one /48 share its budget of PREFIX_48_SHARE /64s, then are quiet", () => {
  assertEquals(PREFIX_48_SHARE, 16);
  const t = new RefusalThrottle({ burst: 2, perSecond: 0, summaryEveryMs: 60_000 });
  // 16 /64s of two refusals each: the /48's 32 out loud, each /64 within its own 2.
  const loud = sixtyFours(1, 16).flatMap((a) => [t.refused(a, 0), t.refused(a, 0)]);
  assertEquals(loud.every((v) => !v.quiet), true);
  // A fresh /64 has its own budget, but its /48 has none left: quiet, blamed on the /48.
  const [fresh] = sixtyFours(1, 1, 16) as [string];
  assertEquals(t.refused(fresh, 1), {
    quiet: true,
    source: "2001:db8:1::/48",
    retryAfterS: 60,
    summary: { source: "2001:db8:1::/48", suppressed: 1 },
  });
  for (const a of sixtyFours(1, 100, 17)) assertEquals(t.refused(a, 2).quiet, true, a);
  // A /64 that spent its own budget is blamed itself, though its /48 is spent too.
  const spent = t.refused("2001:db8:1:0::2", 2);
  assertEquals(spent.quiet && spent.source, "2001:db8:1:0::/64");
  assertEquals(t.dueSummaries(3, true), [{ source: "2001:db8:1::/48", suppressed: 100 }]);
  // Another /48 of the same /32 is another site.
  assertEquals(t.refused("2001:db8:2::1", 3).quiet, false);
});

Deno.test("RefusalThrottle: a /64 over its own budget is quiet alone; it spends nothing of its /48 meanwhile", () => {
  const t = new RefusalThrottle({ burst: 1, perSecond: 0.001 });
  assertEquals(t.refused("2001:db8:1:aa::1", 0).quiet, false);
  for (let i = 0; i < 100; i++) {
    const v = t.refused("2001:db8:1:aa::2", 0);
    assertEquals(v.quiet && v.source, "2001:db8:1:aa::/64");
  }
  // The /48 spent one of its 16: fifteen other /64s are still heard.
  for (const a of sixtyFours(1, 15)) assertEquals(t.refused(a, 0).quiet, false, a);
  assertEquals(t.refused("2001:db8:1:ff::1", 0).quiet, true);
});

Deno.test("RefusalThrottle: a /48 refills at PREFIX_48_SHARE times the rate, and says when it has a token again", () => {
  const t = new RefusalThrottle({ burst: 1, perSecond: 0.5 });
  for (const a of sixtyFours(3, 16)) t.refused(a, 0);
  const over = t.refused("2001:db8:3:100::1", 0);
  // 8 tokens a second for the /48: the next in 1 s (a fresh /64 waits on nothing else).
  assertEquals(over.quiet && [over.source, over.retryAfterS], ["2001:db8:3::/48", 1]);
  assertEquals(t.refused("2001:db8:3:100::1", 125).quiet, false, "1/8 s later one token is back");
  assertEquals(t.refused("2001:db8:3:101::1", 125).quiet, true);
});

Deno.test("RefusalThrottle: IPv4 sources keep a budget each, however close their addresses", () => {
  const t = new RefusalThrottle({ burst: 1, perSecond: 0 });
  for (let i = 0; i < 300; i++) {
    const address = `10.0.${i >> 8}.${i & 255}`;
    assertEquals(t.refused(address, 0), { quiet: false }, address);
  }
  assertEquals(t.refused("::ffff:10.0.0.1", 0).quiet, true, "a mapped address is that IPv4 source");
  assertEquals(t.refused("::ffff:10.0.9.1", 0).quiet, false);
});

Deno.test("RefusalThrottle: the /48s are bounded as the sources are, and a forgotten one gives its count", () => {
  const t = new RefusalThrottle({ burst: 1, perSecond: 0, maxSources: 2, summaryEveryMs: 60_000 });
  for (const a of sixtyFours(1, 16)) t.refused(a, 0);
  t.refused("2001:db8:1:100::1", 1); // quiet, summarised at once
  t.refused("2001:db8:1:101::1", 2); // one since
  assertEquals(t.refused("2001:db8:2::1", 3), { quiet: false });
  // A third /48: the least recent, 2001:db8:1::/48, goes with what it held (its /64s went without any).
  assertEquals(t.refused("2001:db8:3::1", 4), {
    quiet: false,
    forgotten: [{ source: "2001:db8:1::/48", suppressed: 1 }],
  });
  assertEquals(t.dueSummaries(5, true), []);
});

import { assertEquals } from "@std/assert";
import { SourceBuckets, waitMs } from "./source_buckets.ts";

Deno.test("SourceBuckets: an IPv6 /64 spends from its /48 too, which a flood of /64s cannot push out", () => {
  const evicted: string[] = [];
  const buckets = new SourceBuckets({ burst: 1, perSecond: 1, maxSources: 2 }, () => ({}), (key) => {
    evicted.push(key);
  });
  // Sixteen /64s of one /48 spend its 16 tokens; the seventeenth /64 has its own but not the /48's.
  for (let i = 0; i < 16; i++) {
    for (const { bucket } of buckets.budgets(`2001:db8:1:${i}::1`, 0)) bucket.tokens -= 1;
  }
  const next = buckets.budgets("2001:db8:1:99::1", 0);
  assertEquals(next.map((b) => [b.key, b.bucket.tokens]), [["2001:db8:1:99::/64", 1], [
    "2001:db8:1::/48",
    0,
  ]]);
  assertEquals(waitMs(next), Math.ceil(1 / 16 * 1000));
  // Only /64s were forgotten (two remembered at most): the /48 kept its count.
  assertEquals(evicted.every((key) => key.endsWith("/64")), true);
  assertEquals(evicted.length, 15);
  // IPv4: the address alone, refilled at its rate.
  const v4 = buckets.budgets("203.0.113.9", 0);
  v4[0]!.bucket.tokens -= 1;
  assertEquals([
    v4.length,
    waitMs(buckets.budgets("203.0.113.9", 500)),
    waitMs(buckets.budgets("203.0.113.9", 1000)),
  ], [
    1,
    500,
    0,
  ]);
});

import { assertEquals } from "@std/assert";
import { LoopLag } from "./loop_lag.ts";

Deno.test("LoopLag records how late each firing is past one period, and a cut starts a new window", () => {
  const lag = new LoopLag(10, 0);
  lag.tick(10); // on time
  lag.tick(20.5); // 0.5 ms late
  lag.tick(70.5); // 40 ms late: a long turn held the thread
  lag.tick(75); // early after a late one: not negative
  const first = lag.cut();
  assertEquals(first.count, 4);
  assertEquals(first.max, 40);
  assertEquals(first.p50! < 1, true, `p50 ${first.p50}`);
  lag.tick(85);
  assertEquals(lag.cut(), { count: 1, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
});

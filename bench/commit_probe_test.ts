import { assertEquals } from "@std/assert";
import { CommitLog } from "./commit_probe.ts";

Deno.test("CommitLog.cut() summarises the commits since the previous cut and starts afresh", () => {
  const log = new CommitLog();
  for (let i = 1; i <= 10; i++) log.record({ size: i, seconds: i / 1000, ok: i !== 3 });
  const w = log.cut();
  assertEquals(w.commits, 10);
  assertEquals(w.failed, 1);
  assertEquals(Math.round(w.ms.max!), 10);
  assertEquals(Math.round(w.callers.max!), 10);
  assertEquals(w.slowest.length, 8);
  assertEquals(w.slowest[0], [10, 10]);
  assertEquals(w.slowest[7], [3, 3]);
  assertEquals(log.cut().commits, 0);
});

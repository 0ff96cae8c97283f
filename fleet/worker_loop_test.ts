import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { WorkerLoop } from "./worker_loop.ts";

Deno.test("WorkerLoop: ticks that keep failing are one warning, and one line with their count when a tick works", async () => {
  const logger = createMemoryLogger("info");
  let ticks = 0;
  const worked = Promise.withResolvers<void>();
  const loop = new WorkerLoop("sweep", 5, () => {
    ticks++;
    if (ticks <= 6) return Promise.reject(new Error("database or disk is full"));
    if (ticks === 7) worked.resolve();
    return Promise.resolve();
  }, logger);
  loop.start();
  await worked.promise;
  await loop.stop();
  assertEquals(logger.lines.map((l) => [l.level, l.msg, l.worker]), [
    ["warn", "background work failed", "sweep"],
    ["info", "background work recovered", "sweep"],
  ]);
  assertEquals(logger.lines[0]!.error, "Error: database or disk is full");
  assertEquals(logger.lines[1]!.failedRounds, 6);
});

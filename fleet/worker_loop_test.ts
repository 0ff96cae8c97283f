import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { WorkerLoop } from "./worker_loop.ts";
import { LoopFailures } from "./loop_failures.ts";

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

Deno.test("WorkerLoop: a streak whose failure changes warns of the new one once, not of each round", async () => {
  const logger = createMemoryLogger("info");
  let ticks = 0;
  const worked = Promise.withResolvers<void>();
  // The database was restarted (refused), then the work fails for another reason every round (a column gone).
  const loop = new WorkerLoop("retention", 5, () => {
    ticks++;
    if (ticks <= 2) return Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
    if (ticks <= 8) return Promise.reject(new Error('column "ended_at" does not exist'));
    if (ticks === 9) worked.resolve();
    return Promise.resolve();
  }, logger);
  loop.start();
  await worked.promise;
  await loop.stop();
  assertEquals(logger.lines.map((l) => [l.level, l.msg, l.error ?? null, l.failedRounds ?? null]), [
    ["warn", "background work failed", "Error: connect ECONNREFUSED 127.0.0.1:5432", null],
    ["warn", "background work failed again", 'Error: column "ended_at" does not exist', 3],
    ["info", "background work recovered", null, 8],
  ]);
});

Deno.test("WorkerLoop: reports its failures in a row to LoopFailures, and clears them when a tick works", async () => {
  const failures = new LoopFailures(() => new Date("2026-12-07T10:00:00.000Z"));
  let ticks = 0;
  const failingSeen = Promise.withResolvers<void>();
  const worked = Promise.withResolvers<void>();
  const loop = new WorkerLoop(
    "jobs",
    5,
    () => {
      ticks++;
      if (ticks === 4) failingSeen.resolve();
      if (ticks <= 4) return Promise.reject(new Error("Too many checks (max 100)"));
      worked.resolve();
      return Promise.resolve();
    },
    createMemoryLogger("info"),
    failures,
  );
  loop.start();
  await failingSeen.promise;
  // The fourth tick is under way: three failed so far.
  assertEquals(failures.failing().map((f) => [f.name, f.rounds, f.error]), [
    ["jobs", 3, "Too many checks (max 100)"],
  ]);
  await worked.promise;
  await loop.stop();
  assertEquals(failures.failing(), []);
});

import { assertEquals, assertRejects } from "@std/assert";
import { createLogger } from "./logger.ts";
import { ShutdownDeadline, storeReserveMs } from "./shutdown_deadline.ts";

function deadlineOf(ms: number) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ write: (line) => lines.push(JSON.parse(line)) });
  return { deadline: new ShutdownDeadline(ms, logger), lines };
}

Deno.test("finished() is true for work that settles before the deadline, and passes its rejection on", async () => {
  const { deadline } = deadlineOf(1000);
  try {
    assertEquals(await deadline.finished(new Promise((r) => setTimeout(r, 10))), true);
    await assertRejects(() => deadline.finished(Promise.reject(new Error("refused"))), Error, "refused");
    assertEquals(deadline.reached, false);
  } finally {
    deadline.dispose();
  }
});

Deno.test("finished() is false at the deadline for work that never settles", async () => {
  const { deadline } = deadlineOf(50);
  const startedAt = performance.now();
  assertEquals(await deadline.finished(new Promise(() => {})), false);
  const tookMs = performance.now() - startedAt;
  assertEquals(tookMs >= 45 && tookMs < 1000, true, `${tookMs} ms`);
  assertEquals(deadline.reached, true);
  deadline.dispose();
});

Deno.test("past the deadline, work that needs no I/O still finishes; work that waits is cut at once", async () => {
  const { deadline } = deadlineOf(0);
  await new Promise((r) => setTimeout(r, 10));
  assertEquals(deadline.reached, true);
  const microtasks = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  assertEquals(await deadline.finished(microtasks()), true);
  const startedAt = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  assertEquals(await deadline.finished(new Promise((r) => (timer = setTimeout(r, 500)))), false);
  clearTimeout(timer);
  assertEquals(performance.now() - startedAt < 400, true);
  deadline.dispose();
});

Deno.test("abandoned() logs one error line with the deadline and marks the stop as having abandoned something", () => {
  const { deadline, lines } = deadlineOf(2000);
  assertEquals(deadline.anythingAbandoned, false);
  deadline.cut("file retention");
  assertEquals(deadline.anythingAbandoned, false, "a wait cut without loss abandons nothing");
  deadline.abandoned("security events not stored", { events: 3 });
  deadline.dispose();
  assertEquals(deadline.anythingAbandoned, true);
  assertEquals(deadline.cutShort, ["file retention"]);
  assertEquals(lines.map(({ time: _, ...l }) => l), [
    { level: "error", msg: "shutdown deadline reached: security events not stored", deadlineS: 2, events: 3 },
  ]);
});

Deno.test("waits on outside parties end a reserve before the deadline, so what they leave is written within it", async () => {
  assertEquals(storeReserveMs(20_000), 1000);
  assertEquals(storeReserveMs(200), 50);
  const { deadline } = deadlineOf(200);
  try {
    const startedAt = performance.now();
    await new Promise((r) => deadline.outsideParties.addEventListener("abort", r, { once: true }));
    const tookMs = performance.now() - startedAt;
    assertEquals(tookMs >= 140 && tookMs < 200, true, `${tookMs} ms`);
    assertEquals(deadline.reached, false, "the store's waits still run");
    assertEquals(await deadline.finished(new Promise((r) => setTimeout(r, 20))), true);
  } finally {
    deadline.dispose();
  }
});

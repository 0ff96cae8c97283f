/**
 * subscribeEvents with a stand-in EventSource and fetch: a stream the browser closed for good is reopened
 * once, after the wait, and nothing (no EventSource, no timer) outlives the last subscriber, whether it
 * leaves during the wait or during the session check. Deno's sanitizers fail a test that leaves a timer.
 */
import { assertEquals } from "@std/assert";
import { subscribeEvents } from "./client.tsx";

class FakeSource extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static made: FakeSource[] = [];
  readyState = FakeSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    super();
    FakeSource.made.push(this);
  }
  close() {
    this.readyState = FakeSource.CLOSED;
  }
  refused() {
    this.readyState = FakeSource.CLOSED;
    this.onerror?.();
  }
}

async function withFakes(fn: (checks: { count: number; answer: () => void }) => Promise<void>) {
  const saved = { EventSource: globalThis.EventSource, fetch: globalThis.fetch };
  FakeSource.made = [];
  const checks = { count: 0, answer: () => {} };
  Object.assign(globalThis, {
    EventSource: FakeSource,
    fetch: () => {
      checks.count++;
      return new Promise<Response>((resolve) =>
        checks.answer = () => resolve(new Response(null, { status: 200 }))
      );
    },
  });
  try {
    await fn(checks);
  } finally {
    Object.assign(globalThis, saved);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("a stream the browser closed for good is reopened after the wait", async () => {
  await withFakes(async (checks) => {
    const lives: boolean[] = [];
    const stop = subscribeEvents("chargePointId=A", () => {}, (live) => lives.push(live));
    FakeSource.made[0]!.refused();
    assertEquals(lives, [false]);
    await sleep(1100); // the first wait is at most 1 s
    assertEquals(checks.count, 1);
    checks.answer();
    await sleep(0);
    assertEquals(FakeSource.made.length, 2);
    FakeSource.made[1]!.onopen?.();
    assertEquals(lives, [false, true]);
    stop();
    assertEquals(FakeSource.made[1]!.readyState, FakeSource.CLOSED);
  });
});

Deno.test("leaving during the wait leaves no timer and opens nothing", async () => {
  await withFakes(async (checks) => {
    const stop = subscribeEvents("chargePointId=B", () => {});
    FakeSource.made[0]!.refused();
    stop();
    await sleep(1100);
    assertEquals(checks.count, 0);
    assertEquals(FakeSource.made.length, 1);
  });
});

Deno.test("leaving during the session check opens nothing", async () => {
  await withFakes(async (checks) => {
    const stop = subscribeEvents("chargePointId=C", () => {});
    FakeSource.made[0]!.refused();
    await sleep(1100);
    assertEquals(checks.count, 1);
    stop();
    checks.answer();
    await sleep(10);
    assertEquals(FakeSource.made.length, 1);
  });
});

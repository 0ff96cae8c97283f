/**
 * subscribeEvents with a stand-in EventSource and fetch: one stream per filter for the page, however many
 * subscribers; a stream the browser closed for good is reopened once, after the wait, and nothing (no
 * EventSource, no timer) outlives the last subscriber, whether it leaves during the wait or during the session
 * check. Deno's sanitizers fail a test that leaves a timer.
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

/** A stand-in stream's event, as the server sends it. */
function send(source: FakeSource, type: string, data: unknown) {
  source.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data) }));
}

Deno.test("subscribers of one filter share one stream, told it is live when they join, closed by the last to leave", async () => {
  await withFakes(async () => {
    const seen: string[] = [];
    const first = subscribeEvents<{ n: number }>("chargePointId=D", (e) => seen.push(`first ${e.n}`));
    const source = FakeSource.made[0]!;
    source.onopen?.();
    const lives: boolean[] = [];
    const second = subscribeEvents<{ n: number }>(
      "chargePointId=D",
      (e) => seen.push(`second ${e.n}`),
      (live) => lives.push(live),
    );
    assertEquals(FakeSource.made.length, 1, "one EventSource for the filter");
    assertEquals(lives, [true], "a late subscriber hears the stream is live");
    send(source, "status", { n: 1 });
    first();
    send(source, "status", { n: 2 });
    assertEquals(seen, ["first 1", "second 1", "second 2"]);
    assertEquals(source.readyState, FakeSource.CONNECTING, "open while one follows");
    second();
    assertEquals(source.readyState, FakeSource.CLOSED);
    // A subscriber after that opens a fresh one.
    const third = subscribeEvents("chargePointId=D", () => {});
    assertEquals(FakeSource.made.length, 2);
    third();
    await sleep(0);
  });
});

Deno.test("one handler subscribed twice counts twice: leaving once keeps the stream", async () => {
  await withFakes(async () => {
    const seen: number[] = [];
    const handler = (e: { n: number }) => seen.push(e.n);
    const once = subscribeEvents("chargePointId=E", handler);
    const twice = subscribeEvents("chargePointId=E", handler);
    const source = FakeSource.made[0]!;
    once();
    send(source, "status", { n: 1 });
    assertEquals(seen, [1]);
    assertEquals(source.readyState, FakeSource.CONNECTING);
    twice();
    assertEquals(source.readyState, FakeSource.CLOSED);
    await sleep(0);
  });
});

import { assertEquals } from "@std/assert";
import { createManualClock } from "./clock.ts";
import type { CallFailure } from "./connection.ts";
import { createOutbox, type OutboxMessage } from "./outbox.ts";

class Failure extends Error {
  constructor(readonly kind: CallFailure) {
    super(kind);
  }
}

/** An outbox whose sends are answered by the test, one at a time. */
function harness() {
  const clock = createManualClock(0);
  const sent: Array<
    {
      action: string;
      payload: unknown;
      answer(result?: Record<string, unknown>): void;
      fail(kind: CallFailure): void;
    }
  > = [];
  let open = true;
  const outbox = createOutbox({
    send: (action, payload) =>
      new Promise((resolve, reject) => {
        sent.push({ action, payload, answer: (r = {}) => resolve(r), fail: (k) => reject(new Failure(k)) });
      }),
    classify: (error) => (error as Failure).kind,
    canSend: () => open,
    clock,
    retryPolicy: () => ({ attempts: 3, intervalS: 10 }),
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    clock,
    sent,
    outbox,
    settle,
    setOpen(value: boolean) {
      open = value;
    },
  };
}

function message(
  action: OutboxMessage["action"],
  persistent: boolean,
  extra: Partial<OutboxMessage> = {},
): OutboxMessage {
  return { action, payload: () => ({ n: action }), persistent, ...extra };
}

Deno.test("the outbox sends one CALL at a time, in order", async () => {
  const h = harness();
  const results: string[] = [];
  h.outbox.push(message("StartTransaction", true, { onResult: () => results.push("start") }));
  h.outbox.push(message("StatusNotification", false, { onResult: () => results.push("status") }));
  assertEquals(h.sent.map((s) => s.action), ["StartTransaction"]);
  h.sent[0]?.answer();
  await h.settle();
  assertEquals(h.sent.map((s) => s.action), ["StartTransaction", "StatusNotification"]);
  h.sent[1]?.answer();
  await h.settle();
  assertEquals(results, ["start", "status"]);
  assertEquals(h.outbox.size, 0);
});

Deno.test("payloads are built when sent, so later messages see what earlier answers taught", async () => {
  const h = harness();
  let transactionId: number | undefined;
  h.outbox.push(
    message("StartTransaction", true, { onResult: (r) => (transactionId = r.transactionId as number) }),
  );
  h.outbox.push({
    action: "StopTransaction",
    persistent: true,
    payload: () => transactionId === undefined ? null : { transactionId },
  });
  h.sent[0]?.answer({ transactionId: 42 });
  await h.settle();
  assertEquals(h.sent[1]?.payload, { transactionId: 42 });
});

Deno.test("a message that has nothing to say any more is skipped", () => {
  const h = harness();
  const dropped: string[] = [];
  h.setOpen(false);
  h.outbox.push({
    action: "StopTransaction",
    persistent: true,
    payload: () => null,
    onDropped: (why) => dropped.push(why),
  });
  h.outbox.push(message("Heartbeat", true));
  h.setOpen(true);
  h.outbox.pump();
  assertEquals(h.sent.map((s) => s.action), ["Heartbeat"]);
  assertEquals(dropped, ["nothing to send"]);
});

Deno.test("transaction messages survive a disconnection, other messages do not", async () => {
  const h = harness();
  const dropped: string[] = [];
  h.outbox.push(message("MeterValues", true));
  h.outbox.push(message("StatusNotification", false, { onDropped: () => dropped.push("status") }));
  h.outbox.push(message("StopTransaction", true));
  h.setOpen(false);
  h.sent[0]?.fail("disconnected");
  h.outbox.disconnected();
  await h.settle();
  assertEquals(dropped, ["status"]);
  assertEquals(h.outbox.size, 2);
  h.setOpen(true);
  h.outbox.pump();
  assertEquals(h.sent.map((s) => s.action), ["MeterValues", "MeterValues"]);
  h.sent[1]?.answer();
  await h.settle();
  assertEquals(h.sent.map((s) => s.action), ["MeterValues", "MeterValues", "StopTransaction"]);
});

Deno.test("a CALLERROR is retried after interval × attempts, up to the attempts, then dropped; later messages wait", async () => {
  const h = harness();
  const dropped: string[] = [];
  h.outbox.push(message("StartTransaction", true, { onDropped: (why) => dropped.push(why) }));
  h.outbox.push(message("MeterValues", true));
  h.sent[0]?.fail("callerror");
  await h.settle();
  h.clock.advance(9_999);
  assertEquals(h.sent.length, 1);
  h.clock.advance(1);
  assertEquals(h.sent.map((s) => s.action), ["StartTransaction", "StartTransaction"]);
  h.sent[1]?.fail("timeout");
  await h.settle();
  h.clock.advance(20_000);
  assertEquals(h.sent.length, 3);
  h.sent[2]?.fail("callerror");
  await h.settle();
  assertEquals(dropped.length, 1);
  assertEquals(h.sent.map((s) => s.action).at(-1), "MeterValues");
});

Deno.test("a failed non-transaction message is dropped at once", async () => {
  const h = harness();
  const dropped: string[] = [];
  h.outbox.push(message("Heartbeat", false, { onDropped: () => dropped.push("hb") }));
  h.outbox.push(message("StatusNotification", false));
  h.sent[0]?.fail("callerror");
  await h.settle();
  assertEquals(dropped, ["hb"]);
  assertEquals(h.sent.map((s) => s.action), ["Heartbeat", "StatusNotification"]);
});

Deno.test("drained() waits for the queue to empty, or gives up after the timeout", async () => {
  const h = harness();
  h.outbox.push(message("StopTransaction", true));
  const waiting = h.outbox.drained(1000);
  h.sent[0]?.answer();
  assertEquals(await waiting, true);
  h.setOpen(false);
  h.outbox.push(message("StopTransaction", true));
  const timedOut = h.outbox.drained(1000);
  h.clock.advance(1000);
  assertEquals(await timedOut, false);
});

Deno.test("a transaction message that fails for want of a connection waits for pump(), even if canSend() still says yes", async () => {
  const h = harness();
  h.outbox.push(message("StopTransaction", true));
  h.sent[0]?.fail("disconnected");
  await h.settle();
  await h.settle();
  assertEquals(h.sent.length, 1, "no second try before the station says it is back");
  h.outbox.pump();
  assertEquals(h.sent.length, 2);
});

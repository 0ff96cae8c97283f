import { assertEquals, assertRejects } from "@std/assert";
import { CallTimeoutError, NotConnectedError } from "./errors.ts";
import { OutgoingCalls } from "./outgoing_calls.ts";

function setup(timeoutMs = 1000) {
  const sent: unknown[][] = [];
  let clock = 0;
  let ids = 0;
  const calls = new OutgoingCalls({
    chargePointId: "CP-1",
    send: (text) => sent.push(JSON.parse(text)),
    newMessageId: () => `m${++ids}`,
    timeoutMs,
    now: () => clock,
  });
  return { calls, sent, advance: (ms: number) => (clock += ms), now: () => clock };
}

Deno.test("OutgoingCalls sends one CALL at a time and queues the rest in order", async () => {
  const { calls, sent } = setup();
  const first = calls.enqueue("Reset", { type: "Soft" });
  const second = calls.enqueue("ClearCache", {});
  assertEquals(sent, [[2, "m1", "Reset", { type: "Soft" }]]);
  assertEquals(calls.queued, 1);
  calls.settle("m1")?.resolve({ status: "Accepted" });
  assertEquals(await first, { status: "Accepted" });
  assertEquals(sent[1], [2, "m2", "ClearCache", {}]);
  calls.settle("m2")?.resolve({ status: "Rejected" });
  assertEquals(await second, { status: "Rejected" });
});

Deno.test("OutgoingCalls.settle() returns null for an id that is not in flight", () => {
  const { calls } = setup();
  void calls.enqueue("Reset", { type: "Hard" });
  assertEquals(calls.settle("nope"), null);
  assertEquals(calls.inFlightAction, "Reset");
});

Deno.test("OutgoingCalls.expire() times out the CALL at its deadline and sends the next", async () => {
  const { calls, sent, advance, now } = setup(1000);
  const first = calls.enqueue("Reset", { type: "Soft" });
  const second = calls.enqueue("ClearCache", {});
  advance(999);
  calls.expire(now());
  assertEquals(calls.inFlightAction, "Reset");
  advance(1);
  calls.expire(now());
  await assertRejects(() => first, CallTimeoutError, 'did not answer "Reset" within 1000 ms');
  assertEquals(sent.length, 2);
  assertEquals(calls.inFlightAction, "ClearCache");
  // A late answer to the timed-out call is not matched.
  assertEquals(calls.settle("m1"), null);
  calls.settle("m2")?.resolve({ status: "Accepted" });
  assertEquals(await second, { status: "Accepted" });
});

Deno.test("OutgoingCalls.rejectAll() rejects the in-flight (sent) and every queued call", async () => {
  const { calls } = setup();
  const a = calls.enqueue("Reset", { type: "Soft" });
  const b = calls.enqueue("ClearCache", {});
  const sent: [string, boolean][] = [];
  calls.rejectAll((action, wasSent) => {
    sent.push([action, wasSent]);
    return new NotConnectedError("CP-1", action, "connection closed");
  });
  assertEquals(sent, [["Reset", true], ["ClearCache", false]]);
  await assertRejects(() => a, NotConnectedError, 'Cannot send "Reset" to "CP-1": connection closed');
  await assertRejects(() => b, NotConnectedError, 'Cannot send "ClearCache"');
  assertEquals(calls.inFlightAction, null);
  assertEquals(calls.queued, 0);
});

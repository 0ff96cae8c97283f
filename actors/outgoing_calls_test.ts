import { assertEquals, assertRejects } from "@std/assert";
import { CallTimeoutError, NotConnectedError, SendMarkError } from "./errors.ts";
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

function later() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

Deno.test("OutgoingCalls writes nothing until a CALL's mark is written, then sends it with the whole timeout", async () => {
  const { calls, sent, advance } = setup(1000);
  const mark = later();
  const marked: number[] = [];
  const answer = calls.enqueue("Reset", { type: "Soft" }, () => {
    marked.push(sent.length);
    return mark.promise;
  });
  void calls.enqueue("ClearCache", {});
  assertEquals([marked, sent], [[0], []], "the mark starts as the CALL leaves the queue, before any frame");
  assertEquals([calls.inFlightMessageId, calls.inFlight, calls.inFlightAction], [null, null, "Reset"]);
  assertEquals(calls.settle("m1"), null, "no answer to a CALL not sent");
  advance(900);
  mark.resolve();
  await mark.promise;
  assertEquals(sent, [[2, "m1", "Reset", { type: "Soft" }]]);
  advance(900);
  calls.expire(1800);
  assertEquals(calls.inFlightMessageId, "m1", "its timeout runs from the frame");
  calls.settle("m1")?.resolve({ status: "Accepted" });
  assertEquals(await answer, { status: "Accepted" });
  assertEquals(sent[1], [2, "m2", "ClearCache", {}]);
});

Deno.test("OutgoingCalls never sends a CALL whose mark failed or came after its timeout, and goes on with the next", async () => {
  const { calls, sent, advance, now } = setup(1000);
  const refused = calls.enqueue("Reset", { type: "Soft" }, () => Promise.reject(new Error("not yours")));
  const slow = later();
  const late = calls.enqueue("Reset", { type: "Hard" }, () => slow.promise);
  void calls.enqueue("ClearCache", {});
  await assertRejects(() => refused, Error, "not yours");
  assertEquals(sent, []);
  advance(1000);
  calls.expire(now());
  await assertRejects(() => late, SendMarkError, "not written within 1000 ms");
  assertEquals(sent, [[2, "m3", "ClearCache", {}]]);
  // Never on the wire: an "answer" to its id is no late answer of the station's.
  assertEquals(calls.settleLate("m2"), null);
  slow.resolve();
  await slow.promise;
  assertEquals(sent.length, 1, "the late mark sends nothing");
});

Deno.test("OutgoingCalls.rejectAll() calls a CALL waiting for its mark not sent, and it never goes", async () => {
  const { calls, sent } = setup(1000);
  const mark = later();
  const answer = calls.enqueue("Reset", { type: "Soft" }, () => mark.promise);
  calls.rejectAll((action, wasSent) =>
    new NotConnectedError("CP-1", action, wasSent ? "sent" : "never sent")
  );
  await assertRejects(() => answer, NotConnectedError, "never sent");
  mark.resolve();
  await mark.promise;
  assertEquals(sent, []);
});

Deno.test("OutgoingCalls.settleLate() gives a timed-out call once, for its late answer", async () => {
  const { calls, advance, now } = setup(1000);
  const timedOut = calls.enqueue("CertificateSigned", { certificateChain: "pem" }, undefined, "row-1");
  advance(1000);
  calls.expire(now());
  await assertRejects(() => timedOut, CallTimeoutError);
  assertEquals(calls.settle("m1"), null);
  assertEquals(calls.settleLate("m1"), {
    action: "CertificateSigned",
    payload: { certificateChain: "pem" },
    tag: "row-1",
  });
  assertEquals(calls.settleLate("m1"), null, "taken once");
  assertEquals(calls.settleLate("m2"), null, "never sent");
});

import { assertEquals } from "@std/assert";
import {
  AnswerLostError,
  CallErrorResponse,
  CallTimeoutError,
  CommandRefusedError,
  InvalidResponseError,
  NodeLostError,
  NodeTimeoutError,
  NotConnectedError,
  NotDeliveredError,
} from "./errors.ts";
import { triggerOutcomeOf } from "./trigger_answer.ts";

const ACTION = "ExtendedTriggerMessage";
const outcomeOf = async (answer: Promise<{ status: string }>) => (await triggerOutcomeOf(answer)).outcome;

Deno.test("triggerOutcomeOf() is accepted only for an Accepted answer", async () => {
  assertEquals(await outcomeOf(Promise.resolve({ status: "Accepted" })), "accepted");
});

Deno.test("triggerOutcomeOf() counts any other answer of the station as refused", async () => {
  assertEquals(await outcomeOf(Promise.resolve({ status: "Rejected" })), "refused");
  assertEquals(await outcomeOf(Promise.resolve({ status: "NotImplemented" })), "refused");
  assertEquals(
    await outcomeOf(Promise.reject(new CallErrorResponse("CP-1", ACTION, "NotImplemented", "", {}))),
    "refused",
  );
  assertEquals(
    await outcomeOf(Promise.reject(new InvalidResponseError("CP-1", ACTION, "status: required"))),
    "refused",
  );
});

Deno.test("triggerOutcomeOf() counts a trigger our own checks refused to send as refused, not to be sent again at once", async () => {
  assertEquals(
    await outcomeOf(Promise.reject(new CommandRefusedError("CP-1", ACTION, "not a valid request"))),
    "refused",
  );
});

Deno.test("triggerOutcomeOf() is unanswered when no answer came: not connected, closed in flight, node lost", async () => {
  for (
    const error of [
      new NotConnectedError("CP-1", ACTION),
      new NotConnectedError("CP-1", ACTION, "connection closed"),
      new AnswerLostError("CP-1", ACTION),
      new NotDeliveredError("CP-1", ACTION),
      new NodeLostError("CP-1", ACTION, "its node stopped"),
      new NodeTimeoutError("node-2", ACTION, 30_000),
      new Error("anything else"),
    ]
  ) {
    assertEquals(await outcomeOf(Promise.reject(error)), "unanswered", error.name);
  }
});

Deno.test("triggerOutcomeOf() is timedOut when the station stayed connected and did not answer in time", async () => {
  // Not asked: the renewal scan backs off instead of asking at every scan (pki/renewal.ts).
  assertEquals(await outcomeOf(Promise.reject(new CallTimeoutError("CP-1", ACTION, 30_000))), "timedOut");
});

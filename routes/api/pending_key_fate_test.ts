import { assertEquals } from "@std/assert";
import {
  AnswerLostError,
  CallErrorResponse,
  CallTimeoutError,
  InvalidResponseError,
  NotConnectedError,
} from "../../actors/errors.ts";
import { pendingKeyFate } from "./pending_key_fate.ts";

Deno.test("pendingKeyFate: accepted takes the key, RebootRequired keeps it pending, a refusal forgets it", () => {
  assertEquals(pendingKeyFate({ answer: "accepted" }), "take");
  assertEquals(pendingKeyFate({ answer: "afterReboot" }), "keep");
  assertEquals(pendingKeyFate({ answer: "refused" }), "forget");
});

Deno.test("pendingKeyFate: a key that went out unanswered stays pending; one never sent or refused is forgotten", () => {
  const sent = [
    new CallTimeoutError("CP-1", "ChangeConfiguration", 30_000),
    new AnswerLostError("CP-1", "ChangeConfiguration"),
    new InvalidResponseError("CP-1", "ChangeConfiguration", "status: invalid"),
  ];
  for (const error of sent) {
    assertEquals(pendingKeyFate({ error }), "keep", error.name);
  }
  const notTaken = [
    new NotConnectedError("CP-1", "ChangeConfiguration"),
    new CallErrorResponse("CP-1", "ChangeConfiguration", "NotSupported", "", {}),
    new Error("store down"),
  ];
  for (const error of notTaken) {
    assertEquals(pendingKeyFate({ error }), "forget", error.name);
  }
});

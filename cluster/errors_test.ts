import { assert, assertEquals } from "@std/assert";
import {
  AnswerLostError,
  CallErrorResponse,
  CallTimeoutError,
  CommandGivenUpError,
  CommandNotLoggedError,
  CommandNotSentError,
  CommandRefusedError,
  failedCommandOutcome,
  GIVEN_UP_REASON,
  InvalidResponseError,
  NotConnectedError,
  SendMarkError,
  UNHELD_REASON,
  UnheldTimeoutError,
} from "../actors/errors.ts";
import { OcppError } from "../protocol/ocppj/errors.ts";
import { StoreUnavailableError } from "../store/mod.ts";
import { decodeError, encodeError } from "./errors.ts";

Deno.test("a command error crosses the bus as JSON and comes back as the same class and message", () => {
  const errors: Error[] = [
    new NotConnectedError("CP-1", "Reset"),
    new CallTimeoutError("CP-1", "Reset", 30_000),
    new CallErrorResponse("CP-1", "Reset", "NotSupported", "no", { a: 1 }),
    new InvalidResponseError("CP-1", "Reset", "status: required"),
    new CommandRefusedError("CP-1", "RemoteStartTransaction", "connector 1 is Faulted", { reservationId: 7 }),
    new OcppError("NotSupported", 'Action "X" is not sent by a Central System'),
    new Error("something else"),
    new AnswerLostError("CP-1", "Reset"),
    // A job's runner gives back a task whose CALL never went: it must know that on another node too.
    new SendMarkError("CP-1", "Reset", 'job "J-1" no longer has it claimed by "node-a"'),
    // Never sent, the store failing: 503 on the node that asked, and a job's task given back.
    new CommandNotLoggedError("CP-1", "Reset", "timeout"),
    new CommandNotSentError("CP-1", "RemoteStartTransaction", 'id tag "T" could not be checked (timeout)'),
    // Timeouts the reservation ledger must tell from one whose hold is in the station's snapshot.
    new CommandGivenUpError("CP-1", "ReserveNow", 65_000),
    new UnheldTimeoutError("CP-1", "ReserveNow", 30_000),
    // The owner's store failing an operator's write: 503 store_unavailable on the node that asked too.
    new StoreUnavailableError('Cannot write the change of "CP-1": timeout'),
  ];
  for (const error of errors) {
    const back = decodeError(JSON.parse(JSON.stringify(encodeError(error))));
    assertEquals(back.constructor, error.constructor);
    assertEquals(back.message, error.message);
  }
  const station = decodeError(JSON.parse(JSON.stringify(encodeError(errors[2]))));
  assert(station instanceof CallErrorResponse);
  assertEquals([station.errorCode, station.errorDetails], ["NotSupported", { a: 1 }]);
  const refused = decodeError(encodeError(errors[4]));
  assert(refused instanceof CommandRefusedError && refused.reason === "connector 1 is Faulted");
  // What the refusal names (the reservation a connector holds) reaches the operator on any node.
  assertEquals(refused.details, { reservationId: 7 });
});

Deno.test("a give-up and an unheld timeout keep their reason across the bus, unlike a station's timeout", () => {
  const outcome = (error: Error) => failedCommandOutcome(decodeError(encodeError(error)));
  assertEquals(outcome(new CallTimeoutError("CP-1", "ReserveNow", 1)), {
    outcome: "timeout",
    response: null,
  });
  assertEquals(outcome(new CommandGivenUpError("CP-1", "ReserveNow", 1)), {
    outcome: "timeout",
    response: { reason: GIVEN_UP_REASON },
  });
  assertEquals(outcome(new UnheldTimeoutError("CP-1", "ReserveNow", 1)), {
    outcome: "timeout",
    response: { reason: UNHELD_REASON },
  });
});

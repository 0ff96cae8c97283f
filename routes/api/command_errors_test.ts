import { assert } from "@std/assert";
import { CommandNotLoggedError, CommandNotSentError } from "../../actors/errors.ts";
import { StoreUnavailableError } from "../../store/mod.ts";
import { commandApiError } from "./command_errors.ts";

Deno.test("commandApiError() answers a command the store kept from leaving 503, its log row or its id tag's check", () => {
  for (
    const error of [
      new CommandNotLoggedError("CP-1", "Reset", "connection refused"),
      new CommandNotSentError("CP-1", "RemoteStartTransaction", 'id tag "T" could not be checked (timeout)'),
    ]
  ) {
    const mapped = commandApiError(error);
    assert(mapped instanceof StoreUnavailableError, `${error.name} mapped to ${mapped}`);
  }
});

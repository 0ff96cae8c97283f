import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../../logger.ts";
import { guardAgainstConnectionLoss, isWriteAfterClose } from "./connection_loss_guard.ts";

/** The error postgres.js throws, with the frame that tells it apart. */
function writeAfterClose(): TypeError {
  const error = new TypeError("Cannot read properties of null (reading 'write')");
  error.stack =
    `${error.message}\n    at Immediate.nextWrite (node_modules/postgres/src/connection.js:255:22)`;
  return error;
}

Deno.test("postgres.js writing on a closed connection is told apart from any other TypeError", () => {
  assertEquals(isWriteAfterClose(writeAfterClose()), true);
  assertEquals(isWriteAfterClose(new TypeError("Cannot read properties of null (reading 'write')")), false);
  assertEquals(isWriteAfterClose(new Error("Cannot read properties of null (reading 'write')")), false);
});

Deno.test("the guard keeps the process through a lost connection's errors, and only those", async () => {
  const logger = createMemoryLogger();
  const remove = guardAgainstConnectionLoss(logger);
  try {
    // Thrown in a timer, as postgres.js does: without the guard this test (and a server) would end here.
    setTimeout(() => {
      throw writeAfterClose();
    }, 0);
    // A connection error in a promise nobody handles.
    Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));
    await new Promise((r) => setTimeout(r, 20));
    assertEquals(logger.lines.filter((l) => l.level === "error").length, 2);
  } finally {
    remove();
  }
});

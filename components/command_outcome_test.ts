import { assertEquals } from "@std/assert";
import { errorLabel } from "./command_outcome.tsx";

Deno.test("a failed command's badge says whether the station may have acted on it", () => {
  assertEquals(errorLabel({ code: "station_timeout", details: {} }), "No answer in time");
  assertEquals(
    errorLabel({ code: "station_timeout", details: { sent: true, nodeLost: true } }),
    "Node lost: may have acted",
  );
  assertEquals(
    errorLabel({ code: "station_timeout", details: { sent: true, connectionClosed: true } }),
    "Connection closed: may have acted",
  );
  assertEquals(errorLabel({ code: "not_connected", details: {} }), "Not connected");
  // A guard's refusal is not always the connector's (a transaction not running, an id tag, a certificate).
  assertEquals(errorLabel({ code: "command_refused", details: {} }), "Refused before sending");
  assertEquals(errorLabel({ code: "conflict", details: {} }), "Not sent: conflict");
  assertEquals(errorLabel({ code: "something_new", details: {} }), "something_new");
});

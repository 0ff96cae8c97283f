import { assertEquals } from "@std/assert";
import { station } from "../handlers/fakes.ts";
import { remoteStartTransaction } from "./remote_start_transaction.ts";

const AT = "2026-05-01T10:00:00.000Z";

Deno.test("RemoteStartTransaction's guard refuses a Faulted or Unavailable connector and one already charging", () => {
  type Guard = NonNullable<typeof remoteStartTransaction.guard>;
  const guard = (state: Parameters<Guard>[0], request: Parameters<Guard>[1]) =>
    remoteStartTransaction.guard!(state, request, new Date());
  const faulted = station({
    connectors: [{ connectorId: 1, status: "Faulted", errorCode: "GroundFailure", timestamp: AT }],
  });
  assertEquals(guard(faulted, { connectorId: 1, idTag: "T" }), "connector 1 is Faulted");
  const busy = station({
    connectors: [{
      connectorId: 1,
      status: "Charging",
      errorCode: "NoError",
      timestamp: AT,
      transactionId: 4,
    }],
  });
  assertEquals(guard(busy, { connectorId: 1, idTag: "T" }), "connector 1 already has transaction 4");
});

Deno.test("RemoteStartTransaction's guard lets an Available connector, an unknown one and no connector through", () => {
  type Guard = NonNullable<typeof remoteStartTransaction.guard>;
  const guard = (state: Parameters<Guard>[0], request: Parameters<Guard>[1]) =>
    remoteStartTransaction.guard!(state, request, new Date());
  const ready = station({
    connectors: [{ connectorId: 1, status: "Available", errorCode: "NoError", timestamp: AT }],
  });
  assertEquals(guard(ready, { connectorId: 1, idTag: "T" }), null);
  assertEquals(guard(ready, { connectorId: 2, idTag: "T" }), null);
  assertEquals(
    guard(
      station({ connectors: [{ connectorId: 1, status: "Faulted", errorCode: "NoError", timestamp: AT }] }),
      { idTag: "T" },
    ),
    null,
  );
});

import { assertEquals } from "@std/assert";
import { station } from "../handlers/fakes.ts";
import { requestStopTransaction } from "./ocpp201/request_stop_transaction.ts";
import { remoteStopTransaction } from "./remote_stop_transaction.ts";

const AT = "2026-05-01T10:00:00.000Z";

Deno.test("RemoteStopTransaction's guard lets through a transaction a connector runs, refuses any other", () => {
  type Guard = NonNullable<typeof remoteStopTransaction.guard>;
  const guard = (state: Parameters<Guard>[0], request: Parameters<Guard>[1]) =>
    remoteStopTransaction.guard!(state, request, new Date());
  const charging = station({
    connectors: [
      { connectorId: 1, status: "Available", errorCode: "NoError", timestamp: AT },
      { connectorId: 2, status: "Charging", errorCode: "NoError", timestamp: AT, transactionId: 7 },
    ],
  });
  assertEquals(guard(charging, { transactionId: 7 }), null);
  assertEquals(
    guard(charging, { transactionId: 8 }),
    "transaction 8 is not running at this station as far as we know",
  );
  assertEquals(
    guard(station({ connectors: [] }), { transactionId: 7 }),
    "transaction 7 is not running at this station as far as we know",
  );
});

Deno.test("RequestStopTransaction's guard lets through a transaction an EVSE has open, refuses any other", () => {
  const guard = requestStopTransaction.guard!;
  const open = station({
    evses: [{ evseId: 1, connectorId: 1, status: "Occupied", timestamp: AT, transactionId: "tx-9" }],
  });
  assertEquals(guard(open, { transactionId: "tx-9" }, new Date(AT)), null);
  assertEquals(
    guard(open, { transactionId: "tx-1" }, new Date(AT)),
    'transaction "tx-1" is not open at this station as far as we know',
  );
  assertEquals(
    guard(station({}), { transactionId: "tx-9" }, new Date(AT)),
    'transaction "tx-9" is not open at this station as far as we know',
  );
});

import { assertEquals } from "@std/assert";
import { stopReach } from "./stop_reach.ts";

const session = { transactionId: 7, connectorId: 1 };
const charging = { connectorId: 1, status: "Charging", transactionId: 7 };

Deno.test("stopReach() offers a stop on a connected station that reports the session on its connector", () => {
  assertEquals(stopReach({ online: true, lastSeen: null, connectors: [charging] }, session), {
    kind: "running",
  });
});

Deno.test("stopReach() tells an offline station by when it was last seen, whatever it last reported", () => {
  const lastSeen = "2026-01-01T10:00:00.000Z";
  assertEquals(stopReach({ online: false, lastSeen, connectors: [charging] }, session), {
    kind: "offline",
    lastSeen,
  });
});

Deno.test("stopReach() tells a connected station whose connector no longer reports the session", () => {
  const available = { connectorId: 1, status: "Available" };
  const otherSession = { connectorId: 1, status: "Charging", transactionId: 8 };
  for (const connector of [available, otherSession, { ...charging, connectorId: 2 }]) {
    assertEquals(stopReach({ online: true, lastSeen: null, connectors: [connector] }, session), {
      kind: "notReported",
    });
  }
});

Deno.test("stopReach() reads a 2.0.1 session from its EVSE's ledger id", () => {
  const evse = { evseId: 1, status: "Occupied", ledgerTransactionId: 7 };
  assertEquals(stopReach({ online: true, lastSeen: null, connectors: [], evses: [evse] }, session), {
    kind: "running",
  });
  assertEquals(
    stopReach(
      { online: true, lastSeen: null, connectors: [], evses: [{ ...evse, status: "Available" }] },
      session,
    ),
    { kind: "notReported" },
  );
});

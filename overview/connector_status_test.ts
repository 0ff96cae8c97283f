import { assertEquals } from "@std/assert";
import { pointsOfCharge } from "./connector_status.ts";

const T = "2026-01-01T00:00:00Z";

Deno.test("pointsOfCharge() gives a 2.0.1 station one point per EVSE, by its most telling connector", () => {
  const record = {
    connectors: [{
      connectorId: 1,
      status: "Charging" as const,
      errorCode: "NoError" as const,
      timestamp: T,
    }],
    ocppVersion: "ocpp2.0.1",
    evses: [
      { evseId: 1, connectorId: 1, status: "Available", timestamp: T },
      { evseId: 1, connectorId: 2, status: "Faulted", timestamp: T },
      { evseId: 2, connectorId: 1, status: "Occupied", timestamp: T, transactionId: "A" },
      { evseId: 3, connectorId: 1, status: "Occupied", timestamp: T },
    ],
  };
  const points = pointsOfCharge(record, (id) => (id === "A" ? 7 : undefined));
  assertEquals(points.map((p) => [p.connectorId, p.status, p.transactionId]), [
    [1, "Faulted", undefined],
    [2, "Charging", 7],
    [3, "Preparing", undefined],
  ]);
});

Deno.test("pointsOfCharge() keeps a 1.6 station's connectors as they are", () => {
  const connectors = [{
    connectorId: 1,
    status: "Charging" as const,
    errorCode: "NoError" as const,
    timestamp: T,
  }];
  assertEquals(pointsOfCharge({ connectors, ocppVersion: "ocpp1.6" }, () => undefined), connectors);
  assertEquals(pointsOfCharge({ connectors }, () => undefined), connectors);
});

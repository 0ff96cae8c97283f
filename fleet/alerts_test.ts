import { assertEquals } from "@std/assert";
import { type AlertStation, computeAlerts } from "./alerts.ts";

const NOW = new Date("2026-01-01T12:00:00.000Z");
const station = (id: string, overrides: Partial<AlertStation> = {}): AlertStation => ({
  id,
  online: true,
  lastSeen: "2026-01-01T11:59:00.000Z",
  registrationStatus: "Accepted",
  connectors: [],
  ...overrides,
});

Deno.test("computeAlerts() lists stations offline past the limit and Faulted connectors, oldest first", () => {
  const alerts = computeAlerts(
    [
      station("CP-OK"),
      station("CP-JUST", { online: false, lastSeen: "2026-01-01T11:45:00.000Z" }),
      station("CP-GONE", { online: false, lastSeen: "2026-01-01T10:00:00.000Z" }),
      station("CP-PENDING", {
        online: false,
        lastSeen: "2026-01-01T00:00:00.000Z",
        registrationStatus: "Pending",
      }),
      station("CP-FAULT", {
        connectors: [
          {
            connectorId: 1,
            status: "Available",
            errorCode: "NoError",
            timestamp: "2026-01-01T09:00:00.000Z",
          },
          {
            connectorId: 2,
            status: "Faulted",
            errorCode: "GroundFailure",
            info: "RCD tripped",
            timestamp: "2026-01-01T11:00:00.000Z",
          },
        ],
      }),
    ],
    NOW,
    { offlineAfterMinutes: 15 },
  );
  assertEquals(alerts, [
    {
      kind: "offline",
      chargePointId: "CP-GONE",
      connectorId: null,
      since: "2026-01-01T10:00:00.000Z",
      detail: "offline for 120 min",
    },
    {
      kind: "faulted",
      chargePointId: "CP-FAULT",
      connectorId: 2,
      since: "2026-01-01T11:00:00.000Z",
      detail: "GroundFailure, RCD tripped",
    },
  ]);
});

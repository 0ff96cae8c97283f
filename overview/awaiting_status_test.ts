import { assertEquals } from "@std/assert";
import type { ConnectorState } from "../model/charge_point.ts";
import { awaitingStatus, type WaitedStation } from "./awaiting_status.ts";

const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const GRACE = 60_000;

function station(overrides: Partial<WaitedStation["record"]> = {}, online = true): WaitedStation {
  return {
    online,
    connectedAt: T(0),
    record: { registrationStatus: "Accepted", bootedAt: T(1), connectors: [], ...overrides },
  };
}

const available: ConnectorState = {
  connectorId: 1,
  status: "Available",
  errorCode: "NoError",
  timestamp: T(0),
};

Deno.test("awaitingStatus() is starting up within the grace after a boot, then overdue", () => {
  const s = station();
  assertEquals(awaitingStatus(s, Date.parse(T(30)), GRACE), {
    since: T(1),
    overdueAt: T(61),
    overdue: false,
  });
  assertEquals(awaitingStatus(s, Date.parse(T(61)), GRACE)?.overdue, true);
});

Deno.test("awaitingStatus() waits no more once a status came after the boot", () => {
  assertEquals(awaitingStatus(station({ statusReceivedAt: T(2) }), Date.parse(T(500)), GRACE), null);
});

Deno.test("awaitingStatus() does not count statuses from before a reboot, whatever the connectors show", () => {
  const rebooted = station({ bootedAt: T(100), statusReceivedAt: T(50), connectors: [available] });
  assertEquals(awaitingStatus({ ...rebooted, connectedAt: T(99) }, Date.parse(T(120)), GRACE), {
    since: T(100),
    overdueAt: T(160),
    overdue: false,
  });
});

Deno.test("awaitingStatus() keeps what a station reported across a reconnection without a boot", () => {
  const reconnected = { ...station({ statusReceivedAt: T(5) }), connectedAt: T(3600) };
  assertEquals(awaitingStatus(reconnected, Date.parse(T(7200)), GRACE), null);
  // Never reported since its boot: the grace runs from the reconnection, the later of the two.
  const silent = { ...station(), connectedAt: T(3600) };
  assertEquals(awaitingStatus(silent, Date.parse(T(3630)), GRACE)?.since, T(3600));
});

Deno.test("awaitingStatus() waits for nothing from an offline, Pending or Rejected station", () => {
  const late = Date.parse(T(3600));
  assertEquals(awaitingStatus(station({}, false), late, GRACE), null);
  assertEquals(awaitingStatus(station({ registrationStatus: "Pending" }), late, GRACE), null);
  assertEquals(awaitingStatus(station({ registrationStatus: "Rejected" }), late, GRACE), null);
});

Deno.test("awaitingStatus() judges a record from before statusReceivedAt by its connectors' reports", () => {
  const late = Date.parse(T(3600));
  assertEquals(
    awaitingStatus(station({ connectors: [{ ...available, timestamp: T(2) }] }), late, GRACE),
    null,
  );
  // Only assumed from a transaction: nothing reported.
  const assumed = { ...available, timestamp: T(2), status: "Charging" as const, assumed: true as const };
  assertEquals(awaitingStatus(station({ connectors: [assumed] }), late, GRACE)?.overdue, true);
  const evses = [{ evseId: 1, connectorId: 1, status: "Available", timestamp: T(2) }];
  assertEquals(awaitingStatus(station({ evses }), late, GRACE), null);
});

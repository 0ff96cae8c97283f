import { assertEquals } from "@std/assert";
import { emptyRecord } from "../model/charge_point.ts";
import type { TransactionRecord } from "../model/transaction.ts";
import type { ConnectorState } from "../model/charge_point.ts";
import { buildFleet, type FleetInput, selectRows } from "./fleet.ts";

const NOW = new Date("2026-11-25T12:00:00.000Z");

function connector(
  connectorId: number,
  status: ConnectorState["status"],
  transactionId?: number,
): ConnectorState {
  return {
    connectorId,
    status,
    errorCode: status === "Faulted" ? "GroundFailure" : "NoError",
    timestamp: NOW.toISOString(),
    ...(transactionId !== undefined ? { transactionId } : {}),
  };
}

function station(id: string, online: boolean, connectors: ConnectorState[], extra: object = {}) {
  return {
    record: { ...emptyRecord(id, NOW), registrationStatus: "Accepted" as const, connectors, ...extra },
    online,
    connectedAt: online ? NOW.toISOString() : null,
    remoteAddress: online ? "127.0.0.1" : null,
  };
}

function tx(
  transactionId: number,
  chargePointId: string,
  extra: Partial<TransactionRecord> = {},
): TransactionRecord {
  return {
    transactionId,
    chargePointId,
    connectorId: 1,
    idTag: "TAG",
    startIdTagStatus: "Accepted",
    meterStart: 0,
    startTimestamp: "2026-11-25T08:00:00.000Z",
    reservationId: null,
    status: "active",
    supersededBy: null,
    meterStop: null,
    stopTimestamp: null,
    stopReason: null,
    stopIdTag: null,
    energyWh: null,
    createdAt: "2026-11-25T08:00:00.000Z",
    stoppedAt: null,
    ...extra,
  };
}

function input(): FleetInput {
  const running = tx(1, "CP-A");
  const blocked = tx(2, "CP-B", { startIdTagStatus: "Blocked", connectorId: 2 });
  const finished = tx(3, "CP-A", { status: "finished", energyWh: 4000, connectorId: 2 });
  return {
    stations: [
      station("CP-A", true, [
        connector(0, "Available"),
        connector(1, "Charging", 1),
        connector(2, "Available"),
      ], {
        boot: { chargePointVendor: "Acme", chargePointModel: "Volt-1", firmwareVersion: "2.4.1" },
      }),
      station("CP-B", true, [connector(1, "Faulted"), connector(2, "Charging", 2)]),
      station("CP-C", false, [connector(1, "Available"), connector(2, "Available")], {
        lastSeen: "2026-11-25T11:00:00.000Z",
        firmwareStatus: "InvalidSignature",
      }),
      station("CP-D", false, [connector(1, "Faulted")], {
        lastSeen: "2026-11-25T11:58:00.000Z",
        registrationStatus: "Pending",
      }),
    ],
    active: [running, blocked],
    today: [running, finished],
    sessionEnergyWh: new Map([[1, 1500], [2, 250]]),
    // Flagged: running 1, and 3, which finished since.
    openAfterReboot: new Set([1, 3]),
    now: NOW,
    offlineAfterMs: 10 * 60_000,
    statusGraceMs: 2 * 60_000,
  };
}

Deno.test("buildFleet() counts KPIs and attention: energy today with running sessions once, offline Faulted not counted", () => {
  const fleet = buildFleet(input());
  assertEquals(fleet.kpis, {
    stations: 4,
    online: 2,
    offline: 2,
    faultedConnectors: 1,
    activeSessions: 2,
    energyTodayWh: 1500 + 4000 + 250,
    // 7 connectors; online and operative: CP-A 1, 2 and CP-B 2.
    availability: 3 / 7,
    // 4 online connectors, 2 in a session.
    utilisation: 2 / 4,
  });
  assertEquals(fleet.attention, {
    faulted: 1,
    offline: 1,
    registration: 1,
    badTags: 1,
    stuck: 1,
    firmware: 1,
    protocol: 0,
    silent: 0,
  });
  assertEquals(fleet.rows.map((r) => [r.id, r.attention]), [
    ["CP-A", ["stuck"]],
    ["CP-B", ["faulted", "badTags"]],
    ["CP-C", ["offline", "firmware"]],
    ["CP-D", ["registration"]],
  ]);
  assertEquals(fleet.rows[2]?.firmwareStatus, "InvalidSignature");
  assertEquals(fleet.rows[0]?.energyTodayWh, 5500);
});

Deno.test("buildFleet() flags a station whose last firmware status is a failure, not one in progress or done", () => {
  const flagged = (firmwareStatus: string | null) =>
    buildFleet({ ...input(), stations: [station("CP-F", true, [], { firmwareStatus })] }).attention.firmware;
  for (
    const failed of ["DownloadFailed", "InstallationFailed", "InvalidSignature", "InstallVerificationFailed"]
  ) {
    assertEquals(flagged(failed), 1, failed);
  }
  for (const fine of [null, "Idle", "Downloading", "Installed", "SignatureVerified", "InstallRebooting"]) {
    assertEquals(flagged(fine), 0, String(fine));
  }
});

Deno.test("buildFleet() flags a station whose last protocol error is within 24 h, online or not", () => {
  const day = 24 * 60 * 60 * 1000;
  const errors = (agoMs: number) => ({
    protocolErrors: { count: 4, lastAt: new Date(NOW.getTime() - agoMs).toISOString(), lastProblem: "x" },
  });
  const fleet = buildFleet({
    ...input(),
    stations: [
      station("CP-NOW", true, [], errors(60_000)),
      station("CP-GONE", false, [], { ...errors(day - 1), lastSeen: NOW.toISOString() }),
      station("CP-OLD", true, [], errors(day + 1)),
      station("CP-NONE", true, []),
    ],
  });
  assertEquals(fleet.attention.protocol, 2);
  assertEquals(fleet.rows.filter((r) => r.attention.includes("protocol")).map((r) => r.id), [
    "CP-NOW",
    "CP-GONE",
  ]);
});

Deno.test("selectRows() searches vendor, model and firmware, filters by shown status and attention, and sorts", () => {
  const { rows } = buildFleet(input());
  assertEquals(selectRows(rows, { search: "volt" }).map((r) => r.id), ["CP-A"]);
  assertEquals(selectRows(rows, { search: "2.4.1" }).map((r) => r.id), ["CP-A"]);
  assertEquals(selectRows(rows, { status: "Faulted" }).map((r) => r.id), ["CP-B"]);
  assertEquals(selectRows(rows, { status: "Unknown" }).map((r) => r.id), ["CP-C", "CP-D"]);
  assertEquals(selectRows(rows, { status: "Available" }).map((r) => r.id), ["CP-A"]);
  assertEquals(selectRows(rows, { attention: "badTags" }).map((r) => r.id), ["CP-B"]);
  assertEquals(selectRows(rows, { attention: "stuck" }).map((r) => r.id), ["CP-A"]);
  assertEquals(selectRows(rows, { online: false }).map((r) => r.id), ["CP-C", "CP-D"]);
  assertEquals(selectRows(rows, { sort: "energy", order: "desc" }).map((r) => r.id), [
    "CP-A",
    "CP-B",
    "CP-C",
    "CP-D",
  ]);
  assertEquals(selectRows(rows, { sort: "lastSeen", order: "desc" }).map((r) => r.id)[0], "CP-D");
  // CP-A's stuck session is attention too: online with attention, by id.
  assertEquals(selectRows(rows, { sort: "state" }).map((r) => r.id), ["CP-C", "CP-D", "CP-A", "CP-B"]);
  assertEquals(selectRows(rows, { sort: "id", order: "desc" }).map((r) => r.id), [
    "CP-D",
    "CP-C",
    "CP-B",
    "CP-A",
  ]);
});

Deno.test("buildFleet() leaves a running session with implausible readings out of energy today", () => {
  const base = input();
  const negative = tx(1, "CP-A", { meterStart: -5e15 });
  const flood = tx(2, "CP-B", { startIdTagStatus: "Blocked", connectorId: 2 });
  const fleet = buildFleet({
    ...base,
    active: [negative, flood],
    today: [negative, base.today[1]!],
    // 1e16 Wh from a negative start; 1e12 Wh in 4 hours is no connector's.
    sessionEnergyWh: new Map([[1, 1e16], [2, 1e12]]),
  });
  assertEquals(fleet.kpis.energyTodayWh, 4000);
  assertEquals(fleet.rows.map((r) => r.energyTodayWh), [4000, 0, 0, 0]);
});

Deno.test("buildFleet() flags a connected station with no status since its boot past the grace, not one starting up", () => {
  const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
  // Rebooted a minute ago: its connectors are what it reported before.
  const starting = station("CP-S", true, [connector(1, "Available")], {
    bootedAt: at(1),
    statusReceivedAt: at(30),
  });
  const silent = station("CP-T", true, [], { bootedAt: at(5) });
  const reporting = station("CP-U", true, [connector(1, "Available")], {
    bootedAt: at(5),
    statusReceivedAt: at(4),
  });
  const stations = [starting, silent, reporting].map((s) => ({ ...s, connectedAt: at(10) }));
  const fleet = buildFleet({ ...input(), stations });
  assertEquals(fleet.attention.silent, 1);
  assertEquals(fleet.rows.map((r) => [r.id, r.attention, r.awaitingStatus]), [
    ["CP-S", [], { since: at(1), overdueAt: at(-1), overdue: false }],
    ["CP-T", ["silent"], { since: at(5), overdueAt: at(3), overdue: true }],
    ["CP-U", [], null],
  ]);
  assertEquals(selectRows(fleet.rows, { attention: "silent" }).map((r) => r.id), ["CP-T"]);
  // The one starting up is the next to turn silent.
  assertEquals(fleet.nextOverdueAt, at(-1));
});

Deno.test("buildFleet() names the soonest end of a grace among stations starting up, null without one", () => {
  const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
  const booted = (id: string, minutesAgo: number) => ({
    ...station(id, true, [], { bootedAt: at(minutesAgo) }),
    connectedAt: at(10),
  });
  const fleet = (stations: ReturnType<typeof booted>[]) => buildFleet({ ...input(), stations }).nextOverdueAt;
  // Booted half a minute and a minute and a half ago (a grace of two minutes), and one already silent.
  assertEquals(fleet([booted("CP-1", 0.5), booted("CP-2", 1.5), booted("CP-3", 5)]), at(-0.5));
  assertEquals(fleet([booted("CP-3", 5)]), null);
  assertEquals(buildFleet(input()).nextOverdueAt, null);
});

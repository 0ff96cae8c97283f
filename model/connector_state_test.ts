import { assertEquals } from "@std/assert";
import { applyStatus, attachTransaction, detachTransaction } from "./connector_state.ts";

const T = "2026-01-01T00:00:00.000Z";

Deno.test("applyStatus(, T) records a first status without an anomaly", () => {
  const { connectors, anomaly } = applyStatus([], {
    connectorId: 1,
    status: "Available",
    errorCode: "NoError",
    timestamp: T,
  }, T);
  assertEquals(connectors, [{ connectorId: 1, status: "Available", errorCode: "NoError", timestamp: T }]);
  assertEquals(anomaly, null);
});

Deno.test("applyStatus(, T) keeps connectors sorted, connector 0 included", () => {
  let state = applyStatus([], { connectorId: 2, status: "Available", errorCode: "NoError", timestamp: T }, T)
    .connectors;
  state = applyStatus(state, { connectorId: 0, status: "Available", errorCode: "NoError", timestamp: T }, T)
    .connectors;
  state =
    applyStatus(state, { connectorId: 1, status: "Faulted", errorCode: "GroundFailure", timestamp: T }, T)
      .connectors;
  assertEquals(state.map((c) => c.connectorId), [0, 1, 2]);
});

Deno.test("applyStatus(, T) records an unexpected transition and reports it as an anomaly", () => {
  const start = applyStatus(
    [],
    { connectorId: 1, status: "Finishing", errorCode: "NoError", timestamp: T },
    T,
  );
  const { connectors, anomaly } = applyStatus(start.connectors, {
    connectorId: 1,
    status: "Charging",
    errorCode: "NoError",
    timestamp: T,
  }, T);
  assertEquals(connectors[0]?.status, "Charging");
  assertEquals(anomaly, 'Unexpected transition "Finishing" -> "Charging" on connector 1');
});

Deno.test("applyStatus(, T) accepts every transition of the OCPP 1.6 table without an anomaly", () => {
  const pairs: Array<[string, string]> = [
    ["Available", "Preparing"],
    ["Preparing", "Charging"],
    ["Charging", "SuspendedEV"],
    ["SuspendedEV", "SuspendedEVSE"],
    ["SuspendedEVSE", "Finishing"],
    ["Finishing", "Available"],
    ["Available", "Reserved"],
    ["Reserved", "Preparing"],
    ["Faulted", "Available"],
    ["Unavailable", "Available"],
  ];
  for (const [from, to] of pairs) {
    const first = applyStatus([], {
      connectorId: 1,
      status: from as never,
      errorCode: "NoError",
      timestamp: T,
    }, T);
    const { anomaly } = applyStatus(first.connectors, {
      connectorId: 1,
      status: to as never,
      errorCode: "NoError",
      timestamp: T,
    }, T);
    assertEquals(anomaly, null, `${from} -> ${to}`);
  }
});

Deno.test("applyStatus(, T) flags a connector-only status on connector 0", () => {
  const { anomaly } = applyStatus([], {
    connectorId: 0,
    status: "Charging",
    errorCode: "NoError",
    timestamp: T,
  }, T);
  assertEquals(anomaly, 'Status "Charging" is not defined for connector 0');
});

Deno.test("a status report keeps the connector's transaction; detach clears it", () => {
  let state = attachTransaction([], 1, 42, T);
  state = applyStatus(state, { connectorId: 1, status: "Charging", errorCode: "NoError", timestamp: T }, T)
    .connectors;
  assertEquals(state[0]?.transactionId, 42);
  state = detachTransaction(state, 42);
  assertEquals(state[0]?.transactionId, undefined);
  assertEquals("transactionId" in (state[0] ?? {}), false);
});

Deno.test("a connector first seen in a start is assumed Charging until reported, and unknown after it", () => {
  const started = attachTransaction([], 2, 7, T);
  assertEquals(started, [{
    connectorId: 2,
    status: "Charging",
    errorCode: "NoError",
    timestamp: T,
    transactionId: 7,
    assumed: true,
  }]);
  assertEquals(detachTransaction(started, 7), []);
  // Reported meanwhile: the report stands, the guess is gone, and the stop keeps the report.
  const reported = applyStatus(started, {
    connectorId: 2,
    status: "SuspendedEV",
    errorCode: "NoError",
    timestamp: T,
  }, T).connectors;
  assertEquals(reported[0]?.assumed, undefined);
  assertEquals(detachTransaction(reported, 7), [{
    connectorId: 2,
    status: "SuspendedEV",
    errorCode: "NoError",
    timestamp: T,
  }]);
});

Deno.test("applyStatus() keeps the current status when a report is older than it (history only)", () => {
  const later = "2026-01-01T00:10:00.000Z";
  const now = "2026-01-01T00:20:00.000Z";
  const current = applyStatus([], {
    connectorId: 1,
    status: "Available",
    errorCode: "NoError",
    timestamp: later,
  }, now);
  const old = applyStatus(current.connectors, {
    connectorId: 1,
    status: "Faulted",
    errorCode: "GroundFailure",
    timestamp: T,
  }, now);
  assertEquals([old.stale, old.connectors], [true, current.connectors]);
  // A current status timed in the future (a clock that jumped ahead) does not block the next report.
  const ahead = applyStatus([], {
    connectorId: 1,
    status: "Faulted",
    errorCode: "GroundFailure",
    timestamp: "2099-01-01T00:00:00.000Z",
  }, now);
  const next = applyStatus(ahead.connectors, {
    connectorId: 1,
    status: "Available",
    errorCode: "NoError",
    timestamp: later,
  }, now);
  assertEquals([next.stale, next.connectors[0]?.status], [false, "Available"]);
});

Deno.test("applyStatus() compares times on the station's clock only: a report or status without one is news", () => {
  const now = "2026-01-01T00:20:00.000Z";
  // Received without a timestamp (ours, 00:15); the station's clock lags: its next report says 00:05.
  const ours = applyStatus([], {
    connectorId: 1,
    status: "Available",
    errorCode: "NoError",
    timestamp: "2026-01-01T00:15:00.000Z",
    untimed: true,
  }, now);
  const next = applyStatus(ours.connectors, {
    connectorId: 1,
    status: "Preparing",
    errorCode: "NoError",
    timestamp: "2026-01-01T00:05:00.000Z",
  }, now);
  assertEquals([next.stale, next.connectors[0]?.status], [false, "Preparing"]);
  const untimed = applyStatus(next.connectors, {
    connectorId: 1,
    status: "Charging",
    errorCode: "NoError",
    timestamp: "2026-01-01T00:01:00.000Z",
    untimed: true,
  }, now);
  assertEquals([untimed.stale, untimed.connectors[0]?.status], [false, "Charging"]);
});

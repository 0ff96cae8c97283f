import { assertEquals, assertThrows } from "@std/assert";
import { type ConnectorState, emptyRecord, type EvseConnectorState } from "./charge_point.ts";
import { isSnapshotChange, patchFor, UnknownSnapshotChangeError } from "./snapshot_change.ts";

const at = "2026-01-01T00:00:00.000Z";

Deno.test("patchFor() detaches a closed transaction from its connector and drops a connector only assumed for it", () => {
  const record = {
    ...emptyRecord("CP-1", new Date(at)),
    connectors: [
      { connectorId: 1, status: "Charging" as const, errorCode: "NoError", timestamp: at, transactionId: 7 },
      { connectorId: 2, status: "Charging" as const, errorCode: "NoError", timestamp: at, transactionId: 8 },
      {
        connectorId: 3,
        status: "Charging" as const,
        errorCode: "NoError",
        timestamp: at,
        transactionId: 7,
        assumed: true,
      },
    ] as ConnectorState[],
  };
  const patch = patchFor(record, { change: "detachTransaction", transactionId: 7, at });
  assertEquals(patch.connectors!.map((c) => [c.connectorId, c.transactionId]), [[1, undefined], [2, 8]]);
  assertEquals([patch.evses, patch.updatedAt], [undefined, at]);
});

Deno.test("patchFor() frees the EVSE holding a 2.0.1 transaction and leaves the others", () => {
  const record = {
    ...emptyRecord("CP-2", new Date(at)),
    evses: [
      { evseId: 1, connectorId: 1, status: "Occupied" as const, timestamp: at, transactionId: "tx-1" },
      { evseId: 2, connectorId: 1, status: "Occupied" as const, timestamp: at, transactionId: "tx-2" },
    ] as EvseConnectorState[],
  };
  const patch = patchFor(record, {
    change: "detachTransaction",
    transactionId: 1,
    stationTransactionId: "tx-1",
    at,
  });
  assertEquals(patch.evses!.map((e) => [e.evseId, e.transactionId]), [[1, undefined], [2, "tx-2"]]);
  const elsewhere = patchFor(record, {
    change: "detachTransaction",
    transactionId: 1,
    stationTransactionId: "tx-9",
    at,
  });
  assertEquals(elsewhere.evses, undefined);
});

Deno.test("isSnapshotChange() tells a named change from a patch", () => {
  assertEquals(isSnapshotChange({ change: "detachTransaction", transactionId: 1, at }), true);
  assertEquals(isSnapshotChange({ decommissionedAt: at }), false);
});

Deno.test("patchFor() clears a dismissed firmware failure, and nothing when the station reported another status since", () => {
  const later = "2026-01-02T00:00:00.000Z";
  const failed = { ...emptyRecord("CP-3", new Date(at)), firmwareStatus: "InstallationFailed" };
  const dismiss = { change: "dismissFirmwareFailure" as const, status: "InstallationFailed", at: later };
  assertEquals(patchFor(failed, dismiss), { firmwareStatus: null, updatedAt: later });
  const since = { ...failed, firmwareStatus: "Downloading" };
  assertEquals(patchFor(since, dismiss), { updatedAt: at });
});

Deno.test("patchFor() clears the protocol errors the operator saw, and nothing when a bad frame came since", () => {
  const later = "2026-01-02T00:00:00.000Z";
  const errors = { count: 3, lastAt: at, lastProblem: "FormationViolation: not JSON" };
  const record = { ...emptyRecord("CP-4", new Date(at)), protocolErrors: errors };
  const clear = { change: "clearProtocolErrors" as const, lastAt: at, at: later };
  assertEquals(patchFor(record, clear), { protocolErrors: null, updatedAt: later });
  const since = { ...record, protocolErrors: { ...errors, count: 4, lastAt: later } };
  assertEquals(patchFor(since, clear), { updatedAt: at });
});

Deno.test("patchFor() refuses a change it does not know (a newer node's), never reads it as another", () => {
  const record = {
    ...emptyRecord("CP-3", new Date(at)),
    connectors: [
      { connectorId: 1, status: "Available" as const, errorCode: "NoError", timestamp: at, assumed: true },
    ] as ConnectorState[],
  };
  const unknown = { change: "somethingNewer", at } as unknown as Parameters<typeof patchFor>[1];
  assertThrows(() => patchFor(record, unknown), UnknownSnapshotChangeError, "somethingNewer");
});

Deno.test("patchFor() keeps a reservation accepted on a replaced connection beside the others, in place of its id's", () => {
  const r = (reservationId: number, connectorId: number, expiryDate = "2026-01-01T01:00:00.000Z") => ({
    reservationId,
    connectorId,
    idTag: "T",
    expiryDate,
    requestedAt: at,
  });
  const record = {
    ...emptyRecord("CP-1", new Date(at)),
    reservations: [r(1, 1), r(2, 2), r(3, 1, "2025-12-31T23:00:00.000Z")],
  };
  assertEquals(patchFor(record, { change: "keepReservation", reservation: r(1, 3), at }), {
    reservations: [r(2, 2), r(1, 3)],
    updatedAt: at,
  });
});

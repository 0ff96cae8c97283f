/**
 * What every Store contract case shares: the factory's handle, the case runner (a fresh store per case,
 * closed and cleaned up afterwards) and the fixtures.
 */

import type { ChargePointRecord } from "../../model/charge_point.ts";
import type { CommandLogEntry } from "../../model/command_log.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import type { StatusHistoryEntry } from "../../model/status_history.ts";
import type { StartTransactionInput, StopTransactionInput } from "../../model/transaction.ts";
import type { Store } from "../mod.ts";

/** What a contract factory hands to each case. */
export interface ContractHandle {
  /** A fresh, empty store. The suite closes it. */
  store: Store;
  /** Removes the backing resources; called after every Store of the case is closed. */
  cleanup: () => Promise<void>;
  /** Opens the same backing store again (only for persistent backends); the suite closes the result. */
  reopen?: () => Promise<Store>;
  /** Opens a second store on the same backing store beside this one, as a second process would; the case closes it. */
  another?: () => Promise<Store>;
}

export interface ContractOptions {
  /** true, or the reason as a string (e.g. "DATABASE_URL is not set"), to register every case as ignored. */
  ignore?: boolean | string;
}

export interface CaseContext {
  /** The store of the case; changes after `reopen()`. */
  store: () => Store;
  /** Closes the current store and opens the same backing store again; null when the backend cannot. */
  reopen: (() => Promise<Store>) | null;
  /** A second store on the same backing store (null when the backend has no second handle). */
  another: (() => Promise<Store>) | null;
  t: Deno.TestContext;
}

/** Registers cases for one store implementation. */
export interface Cases {
  /** A case on a fresh, empty store. */
  test(title: string, fn: (c: CaseContext) => Promise<void>): void;
  /** A case whose store already holds the stations it writes about (status, transactions, meter values). */
  stationTest(title: string, fn: (c: CaseContext) => Promise<void>): void;
}

/** Records about a station may reference its ChargePointRecord (PostgreSQL: foreign keys), so put them first. */
export const STATIONS = ["CP-1", "CP-2", "CP-7", "CP-8"];

const T0 = Date.parse("2024-05-01T10:00:00.000Z");

/** A UTC ISO time `minutes` after the fixed test epoch. */
export function at(minutes: number): string {
  return new Date(T0 + minutes * 60_000).toISOString();
}

/** `record` as `listChargePoints` gives it: without its configuration and charging reports. */
export function listedChargePoint(record: ChargePointRecord): ChargePointRecord {
  const { chargingReports: _reports, ...rest } = record;
  return { ...rest, configuration: null };
}

export function chargePoint(id: string, overrides: Partial<ChargePointRecord> = {}): ChargePointRecord {
  return {
    id,
    registrationStatus: "Accepted",
    boot: {
      chargePointVendor: "Acme",
      chargePointModel: "Volt-22",
      chargePointSerialNumber: "SN-1",
      firmwareVersion: "1.2.3",
    },
    bootedAt: at(0),
    connectors: [
      { connectorId: 0, status: "Available", errorCode: "NoError", timestamp: at(0) },
      {
        connectorId: 1,
        status: "Charging",
        errorCode: "NoError",
        info: "plugged",
        vendorId: "Acme",
        vendorErrorCode: "E0",
        timestamp: at(1),
        transactionId: 7,
      },
    ],
    lastSeen: at(1),
    firmwareStatus: null,
    diagnosticsStatus: "Idle",
    configuration: [
      { key: "HeartbeatInterval", readonly: false, value: "300" },
      { key: "NumberOfConnectors", readonly: true, value: "1" },
      { key: "AuthorizationKey", readonly: false },
    ],
    scheduledAvailability: [{ connectorId: 1, type: "Inoperative", requestedAt: at(1) }],
    localListVersion: 4,
    reservations: [
      {
        reservationId: 9,
        connectorId: 1,
        idTag: "TAG-1",
        parentIdTag: "FLEET",
        expiryDate: at(60),
        requestedAt: at(1),
      },
    ],
    createdAt: at(0),
    updatedAt: at(1),
    ...overrides,
  };
}

export function startInput(overrides: Partial<StartTransactionInput> = {}): StartTransactionInput {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    idTag: "TAG-1",
    idTagStatus: "Accepted",
    meterStart: 1000,
    timestamp: at(10),
    reservationId: null,
    receivedAt: at(10.01),
    ...overrides,
  };
}

export function stopInput(
  transactionId: number,
  overrides: Partial<StopTransactionInput> = {},
): StopTransactionInput {
  return {
    chargePointId: "CP-1",
    transactionId,
    idTag: "TAG-1",
    idTagStatus: "Accepted",
    meterStop: 4500,
    timestamp: at(40),
    reason: "Local",
    transactionData: null,
    receivedAt: at(40.01),
    ...overrides,
  };
}

export function meterRow(overrides: Partial<MeterValueRow> = {}): MeterValueRow {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    transactionId: null,
    timestamp: at(20),
    value: "1234.5",
    context: "Sample.Periodic",
    format: "Raw",
    measurand: "Energy.Active.Import.Register",
    phase: null,
    location: "Outlet",
    unit: "Wh",
    receivedAt: at(20.01),
    ...overrides,
  };
}

export function statusEntry(overrides: Partial<StatusHistoryEntry> = {}): StatusHistoryEntry {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    status: "Available",
    errorCode: "NoError",
    timestamp: at(0),
    receivedAt: at(0),
    ...overrides,
  };
}

export function command(id: string, overrides: Partial<CommandLogEntry> = {}): CommandLogEntry {
  return {
    id,
    chargePointId: "CP-1",
    action: "Reset",
    payload: { type: "Soft" },
    requestedBy: "operator@example.com",
    requestedAt: at(0),
    outcome: "accepted",
    response: { status: "Accepted" },
    finishedAt: at(0.01),
    ...overrides,
  };
}

export function ids(records: { transactionId: number }[]): number[] {
  return records.map((r) => r.transactionId);
}

/** The case runner of one implementation: `open` must give a fresh, empty store each time. */
export function casesFor(
  name: string,
  open: () => Promise<ContractHandle>,
  options: ContractOptions = {},
): Cases {
  const ignore = options.ignore === undefined ? false : options.ignore !== false;

  function test(title: string, fn: (c: CaseContext) => Promise<void>): void {
    Deno.test({
      name: `${name}: ${title}`,
      ignore,
      fn: async (t) => {
        const handle = await open();
        let current: Store | null = handle.store;
        const reopenFn = handle.reopen;
        const ctx: CaseContext = {
          store: () => {
            if (current === null) throw new Error("The store of this case is closed");
            return current;
          },
          reopen: reopenFn
            ? async () => {
              const previous = current;
              current = null;
              await previous?.close();
              current = await reopenFn();
              return current;
            }
            : null,
          another: handle.another ?? null,
          t,
        };
        try {
          await fn(ctx);
        } finally {
          try {
            await current?.close();
          } finally {
            await handle.cleanup();
          }
        }
      },
    });
  }

  /** A case whose store already holds the stations it writes about (status, transactions, meter values). */
  function stationTest(title: string, fn: (c: CaseContext) => Promise<void>): void {
    test(title, async (c) => {
      for (const id of STATIONS) await c.store().putChargePoint(chargePoint(id));
      await fn(c);
    });
  }
  return { test, stationTest };
}

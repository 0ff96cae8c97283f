import { assertEquals } from "@std/assert";
import type { MeterValueRow } from "../model/meter_value.ts";
import { SESSION_ROWS, sessionEnergyWh } from "./session_energy.ts";

function row(minute: number, measurand: string, value: number, phase: string | null = null): MeterValueRow {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    transactionId: 7,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
    value: String(value),
    context: "Sample.Periodic",
    format: "Raw",
    measurand,
    phase,
    location: "Outlet",
    unit: "Wh",
    receivedAt: "2026-01-01T00:00:00.000Z",
  };
}

/** A store over a session's rows (oldest first) that counts the rows it hands out. */
function storeOf(rows: MeterValueRow[]) {
  const newest = rows.slice().reverse();
  const store = {
    rowsRead: 0,
    listMeterValuesByChargePoint(_: string, limit: number) {
      store.rowsRead += Math.min(limit, rows.length);
      return Promise.resolve(newest.slice(0, limit));
    },
    listRecentMeterValuesByTransaction(_: number, limit: number) {
      store.rowsRead += Math.min(limit, rows.length);
      return Promise.resolve(newest.slice(0, limit));
    },
    pageMeterValuesByTransaction(_: number, page: { limit: number }) {
      store.rowsRead += Math.min(page.limit, rows.length);
      return Promise.resolve({
        items: rows.slice(0, page.limit),
        next: rows.length > page.limit ? { at: "x", id: "1-0" } : null,
      });
    },
  };
  return store;
}

const tx = { transactionId: 7, chargePointId: "CP-1", meterStart: 1000 };

Deno.test("sessionEnergyWh() past the station's newest values reads a bounded tail of the session", async () => {
  // 10,000 register readings, then 300 of power only.
  const rows = [
    ...Array.from({ length: 10_000 }, (_, m) => row(m, "Energy.Active.Import.Register", 1000 + m * 10)),
    ...Array.from({ length: 300 }, (_, m) => row(10_000 + m, "Power.Active.Import", 7000)),
  ];
  const store = storeOf(rows);
  assertEquals(await sessionEnergyWh(store, tx), 9_999 * 10);
  assertEquals(store.rowsRead <= 200 + SESSION_ROWS, true, `${store.rowsRead} rows read`);
});

Deno.test("sessionEnergyWh() leaves out a time the read cut (its phases not all read)", async () => {
  const phases = ["L1", "L2", "L3"].map((p) => row(1, "Energy.Active.Import.Register", 4000, p));
  const power = Array.from({ length: 198 }, (_, m) => row(2 + m, "Power.Active.Import", 1));
  // The station's newest 200 end within minute 1 (2 of its 3 phases: 8,000 Wh, not a reading); the session's
  // own read has the whole time.
  assertEquals(await sessionEnergyWh(storeOf([...phases, ...power]), { ...tx, meterStart: 0 }), 12_000);
});

Deno.test("sessionEnergyWh() of a session whose start reading is unknown counts from its first register reading", async () => {
  const rows = Array.from(
    { length: 50 },
    (_, m) => row(m, "Energy.Active.Import.Register", 500_000 + m * 10),
  );
  assertEquals(await sessionEnergyWh(storeOf(rows), { ...tx, meterStart: 0, meterStartUnknown: true }), 490);
  assertEquals(await sessionEnergyWh(storeOf(rows), { ...tx, meterStart: 0 }), 500_490);
});

import { assertEquals } from "@std/assert";
import { KvReservationStore } from "../store/kv/reservations.ts";
import type { ReservationRecord } from "../store/fleet.ts";
import { ledgerHolds } from "./ledger_holds.ts";

const record = (reservationId: number, over: Partial<ReservationRecord>): ReservationRecord => ({
  reservationId,
  chargePointId: "CP-1",
  connectorId: 1,
  idTag: "OWNER",
  parentIdTag: null,
  expiryDate: "2026-12-07T14:00:00.000Z",
  state: "active",
  createdBy: "user:admin",
  createdAt: "2026-12-07T12:00:00.000Z",
  endedAt: null,
  endReason: null,
  transactionId: null,
  unconfirmed: true,
  ...over,
});

Deno.test("ledgerHolds() gives a station's active unconfirmed reservations as the guards read them", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvReservationStore(kv);
    await store.createReservation(record(1, { parentIdTag: "FLEET" }));
    await store.createReservation(record(2, { connectorId: 2, unconfirmed: false }));
    await store.createReservation(record(3, { state: "cancelled", endedAt: "2026-12-07T12:01:00.000Z" }));
    await store.createReservation(record(4, { chargePointId: "CP-2" }));
    assertEquals(await ledgerHolds(store)("CP-1"), [{
      reservationId: 1,
      connectorId: 1,
      idTag: "OWNER",
      parentIdTag: "FLEET",
      expiryDate: "2026-12-07T14:00:00.000Z",
      requestedAt: "2026-12-07T12:00:00.000Z",
      unconfirmed: true,
    }]);
    assertEquals(await ledgerHolds(store)("CP-3"), []);
  } finally {
    kv.close();
  }
});

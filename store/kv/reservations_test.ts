import { assertEquals } from "@std/assert";
import type { ReservationRecord } from "../fleet.ts";
import { KvReservationStore } from "./reservations.ts";

const hold = (reservationId: number): ReservationRecord => ({
  reservationId,
  chargePointId: "CP-1",
  connectorId: reservationId,
  idTag: "OWNER",
  parentIdTag: null,
  expiryDate: "2026-12-07T13:00:00.000Z",
  state: "active",
  createdBy: "user:olga",
  createdAt: "2026-12-07T07:00:00.000Z",
  endedAt: null,
  endReason: null,
  transactionId: null,
  unconfirmed: true,
});

// A file written between `unconfirmed` (migration 051's equivalent) and the sweep's key (053's) holds such a hold
// without `["rsv_unconfirmed", id]`: the sweep never asks about it, but it is read, held and ended as any other.
Deno.test("a KV hold made unconfirmed before the sweep's key existed is held until its expiry or its station's answer", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const store = new KvReservationStore(kv);
    for (const id of [1, 2]) {
      await store.createReservation(hold(id));
      await kv.delete(["rsv_unconfirmed", id]);
    }
    assertEquals(await store.listUnconfirmedReservations(10), []);
    assertEquals(await store.getReservation(1), hold(1));
    assertEquals((await store.listActiveReservations("CP-1")).map((r) => r.reservationId), [1, 2]);
    // The station's late Accepted confirms one; the other ends at its expiry.
    assertEquals((await store.confirmReservation(1))?.unconfirmed, false);
    assertEquals((await store.listDueExpiries("2026-12-07T13:00:00.000Z", 10)).map((r) => r.reservationId), [
      1,
      2,
    ]);
    const expired = await store.endReservation(2, {
      state: "expired",
      at: "2026-12-07T13:00:01.000Z",
      reason: "expired",
    });
    assertEquals([expired?.state, expired?.unconfirmed], ["expired", true]);
    assertEquals((await store.listActiveReservations("CP-1")).map((r) => r.reservationId), [1]);
  } finally {
    kv.close();
  }
});

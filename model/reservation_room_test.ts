import { assertEquals } from "@std/assert";
import { crowdedOut } from "./reservation_room.ts";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const LATER = "2026-01-01T01:00:00Z";
const zero = { reservationId: 1, connectorId: 0, idTag: "OWNER", expiryDate: LATER };
const onOne = { reservationId: 2, connectorId: 1, idTag: "NEIGHBOUR", expiryDate: LATER };
const both = [{ connectorId: 1, available: true }, { connectorId: 2, available: true }];

Deno.test("crowdedOut() refuses another holder the last free connector a whole-station reservation needs", () => {
  assertEquals(crowdedOut([zero], both, { connectorId: 1, tag: { idTag: "X" } }, NOW), null);
  assertEquals(crowdedOut([zero, onOne], both, { connectorId: 2, tag: { idTag: "X" } }, NOW), zero);
  assertEquals(crowdedOut([zero, onOne], both, { connectorId: 2, tag: { idTag: "OWNER" } }, NOW), null);
});

Deno.test("crowdedOut() refuses a start without a connector that could take the one left", () => {
  assertEquals(crowdedOut([zero], both, { connectorId: null, tag: { idTag: "X" } }, NOW), null);
  assertEquals(crowdedOut([zero, onOne], both, { connectorId: null, tag: { idTag: "X" } }, NOW), zero);
  // A tag with a reservation of its own starts on it.
  assertEquals(
    crowdedOut([zero, onOne], both, { connectorId: null, tag: { idTag: "NEIGHBOUR" } }, NOW),
    null,
  );
  // No free connector at all: the station could only take one reserved for another.
  const busy = [{ connectorId: 1, available: true }, { connectorId: 2, available: false }];
  assertEquals(crowdedOut([onOne], busy, { connectorId: null, tag: { idTag: "X" } }, NOW), onOne);
});

Deno.test("crowdedOut() ignores expired reservations and the one a reservation replaces", () => {
  const expired = { ...zero, expiryDate: "2025-12-31T23:00:00Z" };
  assertEquals(crowdedOut([expired, onOne], both, { connectorId: 2, tag: { idTag: "X" } }, NOW), null);
  assertEquals(
    crowdedOut([zero, onOne], both, { connectorId: 2, tag: { idTag: "X" }, reservationId: 1 }, NOW),
    null,
  );
});

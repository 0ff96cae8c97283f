import { assertEquals } from "@std/assert";
import type { BusEvent } from "../actors/events.ts";
import type { FleetEvent } from "../fleet/events.ts";
import { EVENT_TYPES } from "./event_types.ts";

/** Every type the live stream carries, once: the compiler refuses a missing one. */
const STREAMED: Record<BusEvent["type"] | FleetEvent["type"], true> = {
  connected: true,
  disconnected: true,
  boot: true,
  status: true,
  evseStatus: true,
  chargingLimit: true,
  transaction: true,
  reservationStatus: true,
  meterValues: true,
  firmwareStatus: true,
  securityEvent: true,
  unknownIdTag: true,
  service: true,
  firmwareFailureDismissed: true,
  protocolErrorsCleared: true,
  siteAllocation: true,
  job: true,
  reservation: true,
};

Deno.test("EVENT_TYPES lists every event type the stream carries (the API filters by it)", () => {
  assertEquals([...EVENT_TYPES].sort(), Object.keys(STREAMED).sort());
});

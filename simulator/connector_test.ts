import { assertEquals } from "@std/assert";
import {
  beginTransaction,
  changeAvailability,
  clearReservation,
  type Connector,
  endTransaction,
  fault,
  newConnector,
  plugIn,
  recover,
  refuseStart,
  reserve,
  reserveAnswer,
  statusOf,
  type Transaction,
  unplug,
} from "./connector.ts";
import type { Ev } from "./meter.ts";

const EV: Ev = { capacityWh: 50_000, socPercent: 40, maxPowerW: 11_000 };
const TX: Transaction = { localId: 1, idTag: "TAG-1", startedAt: 0, meterStart: 100 };
const RESERVATION = { reservationId: 7, idTag: "TAG-1", parentIdTag: "FLEET", expiresAt: 1e15 };

function idle(): Connector {
  return newConnector(1, { electrical: { voltage: 230, phases: 3 }, maxCurrentA: 32, energyWh: 100 });
}

/** A connector whose station offers `offeredW`. */
function offered(c: Connector, offeredW: number): Connector {
  return { ...c, meter: { ...c.meter, offeredW } };
}

Deno.test("a session walks Available, Preparing, Charging, Finishing, Available", () => {
  let c = idle();
  assertEquals(statusOf(c), "Available");
  c = plugIn(c, EV);
  assertEquals(statusOf(c), "Preparing");
  c = offered(beginTransaction(c, TX), 22_080);
  assertEquals(statusOf(c), "Charging");
  c = endTransaction(c);
  assertEquals(statusOf(c), "Finishing");
  c = unplug(c);
  assertEquals(statusOf(c), "Available");
});

Deno.test("a transaction is SuspendedEVSE below 6 A or when deauthorized, SuspendedEV when the car is full", () => {
  const charging = offered(beginTransaction(plugIn(idle(), EV), TX), 22_080);
  assertEquals(statusOf(offered(charging, 6 * 230 * 3 - 1)), "SuspendedEVSE");
  assertEquals(statusOf(offered(charging, 6 * 230 * 3)), "Charging");
  assertEquals(statusOf({ ...charging, transaction: { ...TX, deauthorized: true } }), "SuspendedEVSE");
  assertEquals(statusOf({ ...charging, ev: { ...EV, socPercent: 100 } }), "SuspendedEV");
});

Deno.test("a fault outranks everything and recovery gives back the status the facts say", () => {
  const charging = offered(beginTransaction(plugIn(idle(), EV), TX), 22_080);
  const faulted = fault(charging, "GroundFailure", "RCD tripped");
  assertEquals(statusOf(faulted), "Faulted");
  assertEquals(faulted.fault, { errorCode: "GroundFailure", info: "RCD tripped" });
  assertEquals(statusOf(recover(faulted)), "Charging");
  assertEquals(statusOf(fault(idle(), "OtherError")), "Faulted");
});

Deno.test("changeAvailability() applies at once when idle and is Scheduled until the transaction ends", () => {
  const off = changeAvailability(idle(), "Inoperative");
  assertEquals([off.status, statusOf(off.connector)], ["Accepted", "Unavailable"]);
  assertEquals(statusOf(changeAvailability(off.connector, "Operative").connector), "Available");

  const charging = offered(beginTransaction(plugIn(idle(), EV), TX), 22_080);
  const scheduled = changeAvailability(charging, "Inoperative");
  assertEquals([scheduled.status, statusOf(scheduled.connector)], ["Scheduled", "Charging"]);
  const ended = endTransaction(scheduled.connector);
  assertEquals([statusOf(ended), ended.scheduledAvailability], ["Unavailable", undefined]);
  // Back in service with the cable still in: Preparing, never Finishing (no Unavailable -> Finishing, §4.9).
  assertEquals(statusOf(changeAvailability(ended, "Operative").connector), "Preparing");
  const finishing = endTransaction(charging);
  assertEquals(statusOf(finishing), "Finishing");
  const outOfService = changeAvailability(finishing, "Inoperative").connector;
  assertEquals(statusOf(changeAvailability(outOfService, "Operative").connector), "Preparing");
  // Asking for what it already is, while charging, is simply accepted and cancels a scheduled change.
  const same = changeAvailability(scheduled.connector, "Operative");
  assertEquals([same.status, same.connector.scheduledAvailability], ["Accepted", undefined]);
});

Deno.test("a reservation shows as Reserved, admits its idTag or its parent, and is consumed by the start", () => {
  const reserved = reserve(idle(), RESERVATION);
  assertEquals(statusOf(reserved), "Reserved");
  assertEquals(refuseStart(reserved, "TAG-2"), "connector 1 is reserved for another idTag");
  assertEquals(refuseStart(reserved, "tag-1"), null);
  assertEquals(refuseStart(reserved, "TAG-2", "FLEET"), null);
  const started = beginTransaction(plugIn(reserved, EV), { ...TX, reservationId: 7 });
  assertEquals(started.reservation, null);
  assertEquals(statusOf(clearReservation(reserved)), "Available");
});

Deno.test("reserveAnswer() says Faulted, Unavailable or Occupied when the connector cannot be held", () => {
  assertEquals(reserveAnswer(idle(), 1), "Accepted");
  assertEquals(reserveAnswer(fault(idle(), "OtherError"), 1), "Faulted");
  assertEquals(reserveAnswer(changeAvailability(idle(), "Inoperative").connector, 1), "Unavailable");
  assertEquals(reserveAnswer(plugIn(idle(), EV), 1), "Occupied");
  assertEquals(reserveAnswer(reserve(idle(), RESERVATION), 8), "Occupied");
  assertEquals(reserveAnswer(reserve(idle(), RESERVATION), 7), "Accepted");
});

Deno.test("refuseStart() names why a connector cannot start", () => {
  assertEquals(refuseStart(fault(idle(), "OtherError"), "T"), "connector 1 is Faulted");
  assertEquals(
    refuseStart(changeAvailability(idle(), "Inoperative").connector, "T"),
    "connector 1 is Unavailable",
  );
  assertEquals(refuseStart(beginTransaction(idle(), TX), "T"), "connector 1 is already charging");
  assertEquals(
    refuseStart(endTransaction(beginTransaction(plugIn(idle(), EV), TX)), "T"),
    "connector 1 is Finishing",
  );
  assertEquals(refuseStart(plugIn(idle(), EV), "T"), null);
});

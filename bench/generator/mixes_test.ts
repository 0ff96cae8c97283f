import { assertEquals } from "@std/assert";
import { callAnswered, type Mix, newStation, nextCall, type StationState } from "./mixes.ts";

/** The actions `station` sends in `mix` over `n` CALLs, each answered by `answer`. */
function drive(mix: Mix, station: StationState, n: number, answer: (action: string) => unknown): string[] {
  const sent: string[] = [];
  for (let i = 0; i < n; i++) {
    const { action } = nextCall(mix, station, "TAG-1");
    sent.push(action);
    callAnswered(station, action, answer(action));
  }
  return sent;
}

const accepting = (action: string) =>
  action === "StartTransaction" ? { transactionId: 7, idTagInfo: { status: "Accepted" } } : {};

Deno.test("the plain mix alternates Heartbeat and MeterValues outside a transaction", () => {
  const station = newStation(0);
  assertEquals(drive("plain", station, 4, accepting), [
    "Heartbeat",
    "MeterValues",
    "Heartbeat",
    "MeterValues",
  ]);
  const meter = nextCall("plain", newStation(1), "TAG-1").payload as { transactionId?: number };
  assertEquals(meter.transactionId, undefined);
});

Deno.test("the heartbeat mix sends Heartbeat alone", () => {
  assertEquals(drive("heartbeat", newStation(3), 3, accepting), ["Heartbeat", "Heartbeat", "Heartbeat"]);
});

Deno.test("the transaction mix loops Authorize, Start, 3 MeterValues within it, Stop", () => {
  const station = newStation(0);
  const loop = [
    "Authorize",
    "StartTransaction",
    "MeterValues",
    "MeterValues",
    "MeterValues",
    "StopTransaction",
  ];
  assertEquals(drive("transaction", station, 12, accepting), [...loop, ...loop]);
  assertEquals(station.transactionId, null);
});

Deno.test("the transaction mix sends MeterValues and StopTransaction with the transaction it was given", () => {
  const station = newStation(0);
  drive("transaction", station, 2, accepting);
  const meter = nextCall("transaction", station, "TAG-1").payload as { transactionId: number };
  assertEquals(meter.transactionId, 7);
});

Deno.test("a station spread into the middle of the transaction loop starts with Authorize", () => {
  const station = newStation(3);
  assertEquals(drive("transaction", station, 2, accepting), ["Authorize", "StartTransaction"]);
});

Deno.test("after a failed StartTransaction the transaction mix begins again with Authorize", () => {
  const station = newStation(0);
  const failing = (action: string) => (action === "StartTransaction" ? null : {});
  assertEquals(drive("transaction", station, 4, failing), [
    "Authorize",
    "StartTransaction",
    "Authorize",
    "StartTransaction",
  ]);
});

Deno.test("the steady mix is 6 MeterValues, 2 Heartbeat, 2 StatusNotification toggling Charging", () => {
  const station = { ...newStation(0), transactionId: 3 };
  const sent = drive("steady", station, 10, accepting);
  const count = (a: string) => sent.filter((s) => s === a).length;
  assertEquals([count("MeterValues"), count("Heartbeat"), count("StatusNotification")], [6, 2, 2]);
  const statuses = [nextCall("steady", { ...station, step: 3 }, "T").payload] as Array<{ status: string }>;
  assertEquals(statuses[0]!.status, "SuspendedEV");
});

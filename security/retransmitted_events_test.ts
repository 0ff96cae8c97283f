import { assertEquals } from "@std/assert";
import { RetransmittedEvents } from "./retransmitted_events.ts";

Deno.test("isRepeat() is true only for the same station, message id and event seen before", () => {
  const recent = new RetransmittedEvents();
  assertEquals(recent.isRepeat("CP-1", "m1", "station_event", "InvalidMessages"), false);
  assertEquals(recent.isRepeat("CP-1", "m1", "station_event", "InvalidMessages"), true);
  assertEquals(recent.isRepeat("CP-2", "m1", "station_event", "InvalidMessages"), false);
  assertEquals(recent.isRepeat("CP-1", "m2", "station_event", "InvalidMessages"), false);
  assertEquals(recent.isRepeat("CP-1", "m1", "station_event", "SettingSystemTime"), false);
  assertEquals(recent.isRepeat("CP-1", "m1", "station_event_critical", "InvalidMessages"), false);
});

Deno.test("isRepeat() forgets a station's oldest events past perStation, and the least recent station past maxStations", () => {
  const recent = new RetransmittedEvents({ perStation: 2, maxStations: 2 });
  recent.isRepeat("CP-1", "m1", "k", "r");
  recent.isRepeat("CP-1", "m2", "k", "r");
  recent.isRepeat("CP-1", "m3", "k", "r");
  assertEquals(recent.isRepeat("CP-1", "m3", "k", "r"), true);
  assertEquals(recent.isRepeat("CP-1", "m1", "k", "r"), false);
  recent.isRepeat("CP-2", "m1", "k", "r");
  // CP-1 then CP-2: a third station pushes out CP-1, the least recent.
  recent.isRepeat("CP-3", "m1", "k", "r");
  assertEquals(recent.isRepeat("CP-2", "m1", "k", "r"), true);
  assertEquals(recent.isRepeat("CP-1", "m1", "k", "r"), false);
});

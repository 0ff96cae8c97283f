import { assertEquals } from "@std/assert";
import { context, NOW, station } from "./fakes.ts";
import { heartbeat } from "./heartbeat.ts";

Deno.test("heartbeat() answers the receive time and changes nothing itself (the shell writes lastSeen)", async () => {
  assertEquals(await heartbeat(station(), {}, context()), { response: { currentTime: NOW.toISOString() } });
});

import { assertEquals } from "@std/assert";
import { currentConnectionKnown } from "./current_connection.ts";

Deno.test("currentConnectionKnown() resolves true as soon as the connection is known, false at its bound", async () => {
  let looks = 0;
  assertEquals(await currentConnectionKnown(() => ++looks >= 3, 5000, new AbortController().signal), true);
  assertEquals(looks, 3);
  const started = Date.now();
  assertEquals(await currentConnectionKnown(() => false, 120, new AbortController().signal), false);
  assertEquals(Date.now() - started >= 120, true);
});

Deno.test("currentConnectionKnown() stops waiting when aborted (the registry shutting down)", async () => {
  const stop = new AbortController();
  const started = Date.now();
  setTimeout(() => stop.abort(), 30);
  assertEquals(await currentConnectionKnown(() => false, 60_000, stop.signal), false);
  assertEquals(Date.now() - started < 1000, true);
});

import { assertEquals } from "@std/assert";
import { createManualClock } from "./clock.ts";

Deno.test("a manual clock fires due timers in time order, at their time, and skips cancelled ones", () => {
  const clock = createManualClock(1000);
  const fired: Array<[string, number]> = [];
  clock.after(200, () => fired.push(["b", clock.now()]));
  clock.after(100, () => {
    fired.push(["a", clock.now()]);
    clock.after(50, () => fired.push(["c", clock.now()]));
  });
  const cancel = clock.after(10, () => fired.push(["x", clock.now()]));
  cancel();
  clock.advance(160);
  assertEquals(fired, [["a", 1100], ["c", 1150]]);
  assertEquals(clock.now(), 1160);
  clock.advance(100);
  assertEquals(fired.at(-1), ["b", 1200]);
  assertEquals(clock.pending, 0);
});

import { assertEquals } from "@std/assert";
import { Slots } from "./slots.ts";

Deno.test("Slots refuses past the ceiling, releases once, and lets a replacement through", () => {
  const slots = new Slots(2);
  const a = slots.acquire();
  const b = slots.acquire();
  assertEquals(slots.acquire(), null);
  a?.();
  a?.();
  assertEquals(slots.held, 1);
  const c = slots.acquire();
  const forced = slots.acquire(true);
  assertEquals(slots.held, 3);
  b?.();
  c?.();
  forced?.();
  assertEquals(slots.held, 0);
});

import { assert, assertEquals } from "@std/assert";
import { LoginSlots } from "./login_slots.ts";

Deno.test("LoginSlots gives a source its slots and no more, and a release frees one once", () => {
  const slots = new LoginSlots(2);
  const first = slots.take("203.0.113.9");
  const second = slots.take("203.0.113.9");
  assert(first && second);
  assertEquals(slots.take("203.0.113.9"), null);
  // Another address is not held back.
  assert(slots.take("203.0.113.10"));
  first();
  first();
  assert(slots.take("203.0.113.9"));
  assertEquals(slots.take("203.0.113.9"), null);
});

Deno.test("LoginSlots counts an IPv6 /48 as one source, whichever /64 asks", () => {
  const slots = new LoginSlots(1);
  assert(slots.take("2001:db8:1:1::5"));
  assertEquals(slots.take("2001:db8:1:ffff::5"), null);
  assert(slots.take("2001:db8:2::5"));
});

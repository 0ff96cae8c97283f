import { assertEquals } from "@std/assert";
import { MessageRate } from "./message_rate.ts";

Deno.test("MessageRate accepts a burst, then the average rate, then refuses and finally closes", () => {
  const limit = new MessageRate({ rate: 10, burst: 5, closeAfter: 3 });
  const at0 = Array.from({ length: 5 }, () => limit.admit(0));
  assertEquals(at0, ["accept", "accept", "accept", "accept", "accept"]);
  assertEquals(limit.admit(0), "refuse");
  assertEquals(limit.admit(100), "accept"); // one token back after 100 ms at 10/s
  assertEquals(limit.admit(100), "refuse");
  assertEquals(limit.admit(100), "refuse");
  assertEquals(limit.admit(100), "refuse");
  assertEquals(limit.admit(100), "close");
});

Deno.test("MessageRate forgives refused frames at the same rate, and 0 disables it", () => {
  const limit = new MessageRate({ rate: 10, burst: 1, closeAfter: 2 });
  limit.admit(0);
  assertEquals(limit.admit(0), "refuse");
  assertEquals(limit.admit(0), "refuse");
  assertEquals(limit.admit(1000), "accept");
  assertEquals(limit.admit(1000), "refuse");
  const off = new MessageRate({ rate: 0, burst: 1, closeAfter: 1 });
  for (let i = 0; i < 100; i++) assertEquals(off.admit(0), "accept");
});

Deno.test("MessageRate.reserve() takes a token, owing one at most: the wait is the time until it is there", () => {
  const limit = new MessageRate({ rate: 10, burst: 2, closeAfter: 5 });
  assertEquals([limit.reserve(0), limit.reserve(0)], [0, 0]);
  assertEquals(limit.reserve(0), 100, "the third waits for the next token, 100 ms at 10/s");
  // Held until then, the station's next frame after its answer: the owed token is paid first.
  assertEquals(limit.reserve(100), 100);
  assertEquals(limit.reserve(300), 0);
  // A frame sent without waiting meanwhile is refused, as ever, and a reservation does not count a strike.
  assertEquals(limit.admit(300), "refuse");
  assertEquals(new MessageRate({ rate: 0, burst: 0, closeAfter: 0 }).reserve(0), 0);
});

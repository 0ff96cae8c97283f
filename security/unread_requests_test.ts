import { assert, assertEquals } from "@std/assert";
import { parseIpList } from "./ip_list.ts";
import { UnreadRequests } from "./unread_requests.ts";

Deno.test("UnreadRequests.take() gives a source perSource places until one is released", () => {
  const unread = new UnreadRequests(2, parseIpList(""));
  const first = unread.take("10.0.0.9");
  assert(unread.take("::ffff:10.0.0.9"));
  assertEquals(unread.take("10.0.0.9"), null);
  assert(unread.take("10.0.0.10"));
  first?.();
  first?.();
  assert(unread.take("10.0.0.9"));
  assertEquals(unread.take("10.0.0.9"), null);
});

Deno.test("UnreadRequests.take() never caps a trusted proxy", () => {
  const unread = new UnreadRequests(1, parseIpList("10.0.0.1"));
  for (let i = 0; i < 100; i++) assert(unread.take("10.0.0.1"));
});

Deno.test("UnreadRequests.take() holds an IPv6 source to its /64, and its /48 to 16 times that", () => {
  const unread = new UnreadRequests(1, parseIpList(""));
  assert(unread.take("2001:db8:1:1::1"));
  assertEquals(unread.take("2001:db8:1:1::2"), null);
  for (let i = 2; i <= 16; i++) assert(unread.take(`2001:db8:1:${i}::1`));
  assertEquals(unread.take("2001:db8:1:ff::1"), null);
  assert(unread.take("2001:db8:2:1::1"));
});

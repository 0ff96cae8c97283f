import { assert, assertEquals, assertThrows } from "@std/assert";
import { ipEntryProblem, parseIp, parseIpList } from "./ip_list.ts";

Deno.test("parseIp() reads IPv4, IPv6, bracketed, zoned and IPv4-mapped addresses", () => {
  assertEquals(parseIp("10.1.2.3"), new Uint8Array([10, 1, 2, 3]));
  assertEquals(parseIp("::ffff:10.1.2.3"), new Uint8Array([10, 1, 2, 3]));
  assertEquals(parseIp("::ffff:a01:203"), new Uint8Array([10, 1, 2, 3]));
  assertEquals(parseIp("[::1]")?.length, 16);
  assertEquals(parseIp("fe80::1%eth0")?.[0], 0xfe);
  assertEquals(parseIp("2001:db8::1.2.3.4")?.slice(12), new Uint8Array([1, 2, 3, 4]));
  for (
    const bad of ["", "1.2.3", "1.2.3.256", "a.b.c.d", "1::2::3", "12345::", "unknown", "1:2:3:4:5:6:7:8:9"]
  ) {
    assertEquals(parseIp(bad), null, bad);
  }
});

Deno.test("parseIpList() matches single addresses and CIDR ranges of both families", () => {
  const list = parseIpList("10.0.0.0/8, 192.168.1.7 fd00::/8,::1, 172.16.0.0/12");
  assert(list.has("10.255.0.1"));
  assert(list.has("::ffff:10.2.3.4"));
  assert(list.has("192.168.1.7"));
  assert(!list.has("192.168.1.8"));
  assert(list.has("fd12::5"));
  assert(list.has("::1"));
  assert(list.has("172.31.255.255"));
  assert(!list.has("172.32.0.0"));
  assert(!list.has("not an address"));
  assert(!list.empty);
  assert(parseIpList("").empty);
  assert(parseIpList("0.0.0.0/0").has("8.8.8.8"));
  assert(!parseIpList("0.0.0.0/0").has("::2"));
});

Deno.test("parseIpList() reads an IPv4-mapped entry as its IPv4 address or range, never as any address", () => {
  const one = parseIpList("::ffff:10.1.0.1");
  assert(one.has("10.1.0.1"));
  assert(one.has("::ffff:10.1.0.1"));
  assert(!one.has("1.2.3.4"));
  const range = parseIpList("::ffff:10.1.0.0/112");
  assert(range.has("10.1.200.3"));
  assert(!range.has("10.2.0.1"));
  assertThrows(() => parseIpList("::ffff:10.1.0.0/129"), Error, "bad prefix length");
});

Deno.test("parseIpList() refuses a bad entry naming it", () => {
  assertThrows(() => parseIpList("10.0.0.0/33"), Error, '"10.0.0.0/33" has a bad prefix length');
  assertThrows(() => parseIpList("example.com"), Error, '"example.com" is not an IP address');
  assertEquals(ipEntryProblem("10.0.0.1"), null);
  assertEquals(ipEntryProblem("10.0.0.1/x"), '"10.0.0.1/x" has a bad prefix length');
});

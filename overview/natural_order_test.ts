import { assertEquals } from "@std/assert";
import { naturalOrder } from "./natural_order.ts";

Deno.test("naturalOrder() puts numbered station ids in numeric order", () => {
  const ids = ["SIM-10", "SIM-2", "SIM-1", "SIM-12", "SIM-11", "SIM-3"];
  assertEquals(ids.sort(naturalOrder), ["SIM-1", "SIM-2", "SIM-3", "SIM-10", "SIM-11", "SIM-12"]);
});

Deno.test("naturalOrder() orders firmware versions part by part", () => {
  const versions = ["1.10.0", "1.9.2", "1.9.10", "2.0", "1.9"];
  assertEquals(versions.sort(naturalOrder), ["1.9", "1.9.2", "1.9.10", "1.10.0", "2.0"]);
});

Deno.test("naturalOrder() compares numbers longer than a double holds exactly", () => {
  assertEquals(naturalOrder("CP-90071992547409931", "CP-90071992547409930") > 0, true);
  assertEquals(naturalOrder("CP-9", "CP-90071992547409930") < 0, true);
});

Deno.test("naturalOrder() is total: ids equal but for leading zeros or case are told apart, in code unit order", () => {
  assertEquals(["CP-1", "CP-01", "CP-001"].sort(naturalOrder), ["CP-001", "CP-01", "CP-1"]);
  assertEquals(["cp-1", "CP-1"].sort(naturalOrder), ["CP-1", "cp-1"]);
  assertEquals(naturalOrder("CP-7", "CP-7"), 0);
  assertEquals(naturalOrder("CP-007", "CP-7") < 0 && naturalOrder("CP-7", "CP-007") > 0, true);
});

Deno.test("naturalOrder() puts a prefix first and compares text without digits by code unit", () => {
  assertEquals(["CP-1A", "CP-1", "CP", "AB", "Ab"].sort(naturalOrder), ["AB", "Ab", "CP", "CP-1", "CP-1A"]);
  assertEquals(["A-10x", "A-9y", "A-9x"].sort(naturalOrder), ["A-9x", "A-9y", "A-10x"]);
});

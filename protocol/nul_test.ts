import { assertEquals, assertStrictEquals } from "@std/assert";
import { findNul, replaceNul } from "./nul.ts";

Deno.test("findNul() names the first field holding U+0000, in objects, arrays and keys", () => {
  assertEquals(findNul({ idTag: "A\u0000B" }), "idTag");
  assertEquals(findNul({ a: 1, b: [{ c: "x" }, { c: "\u0000" }] }), "b[1].c");
  assertEquals(findNul({ ["k\u0000"]: 1 }), "k\u0000");
  assertEquals(findNul("\u0000"), "");
  assertEquals(findNul({ idTag: "AB", n: 1, z: null, t: true }), null);
});

Deno.test("replaceNul() replaces U+0000 with U+FFFD and leaves clean values untouched", () => {
  assertEquals(replaceNul({ idTag: "A\u0000B", list: ["\u0000\u0000"], n: 7 }), {
    idTag: "A\uFFFDB",
    list: ["\uFFFD\uFFFD"],
    n: 7,
  });
  const clean = { idTag: "AB" };
  assertStrictEquals(replaceNul(clean), clean);
});

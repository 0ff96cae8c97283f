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

Deno.test("findNul() and replaceNul() walk 100,000 nested arrays without overflowing the stack", () => {
  const deep = JSON.parse(`${"[".repeat(100_000)}"\\u0000"${"]".repeat(100_000)}`);
  assertEquals(findNul(deep)?.length, 300_000);
  let inner: unknown = replaceNul(deep);
  for (let i = 0; i < 100_000; i++) inner = (inner as unknown[])[0];
  assertEquals(inner, "\uFFFD");
  const proto = JSON.parse('{"__proto__":{"x":"\\u0000"}}');
  assertEquals(Object.keys(replaceNul(proto)), ["__proto__"]);
});

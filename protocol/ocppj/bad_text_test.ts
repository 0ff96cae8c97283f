import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { findBadText, mayHoldBadText, replaceBadText } from "./bad_text.ts";

Deno.test("findBadText() names the first field holding U+0000 or a lone surrogate, in objects, arrays and keys", () => {
  assertEquals(findBadText({ idTag: "A\u0000B" }), { field: "idTag", kind: "nul" });
  assertEquals(findBadText({ a: 1, b: [{ c: "x" }, { c: "\u0000" }] })?.field, "b[1].c");
  assertEquals(findBadText({ ["k\u0000"]: 1 })?.field, "k\u0000");
  assertEquals(findBadText("\u0000")?.field, "");
  assertEquals(findBadText({ info: "x\ud800" }), { field: "info", kind: "surrogate" });
  assertEquals(findBadText({ info: "\udc00y" })?.kind, "surrogate");
  assertEquals(findBadText({ idTag: "AB", emoji: "\ud83d\ude00", n: 1, z: null, t: true }), null);
});

Deno.test("replaceBadText() replaces U+0000 and lone surrogates with U+FFFD and leaves clean values untouched", () => {
  assertEquals(replaceBadText({ idTag: "A\u0000B", list: ["\u0000\u0000", "\ud800x\ud83d\ude00"], n: 7 }), {
    idTag: "A\uFFFDB",
    list: ["\uFFFD\uFFFD", "\uFFFDx\ud83d\ude00"],
    n: 7,
  });
  const clean = { idTag: "AB", emoji: "\ud83d\ude00" };
  assertStrictEquals(replaceBadText(clean), clean);
});

Deno.test("mayHoldBadText() finds every frame that can hold bad text by its escapes", () => {
  for (const value of ["\u0000", "a\ud800", "\udfff", "\udbff"]) {
    assert(mayHoldBadText(JSON.stringify({ v: value })), JSON.stringify(value));
  }
  // Upper-case escapes, as other JSON writers send them.
  assert(mayHoldBadText('{"v":"\\uD800"}'));
  assertEquals(mayHoldBadText('{"v":"plain","n":1}'), false);
  assertEquals(mayHoldBadText('{"v":"\\u00e9\\u1234"}'), false);
});

Deno.test("findBadText() and replaceBadText() walk 100,000 nested arrays without overflowing the stack", () => {
  const deep = JSON.parse(`${"[".repeat(100_000)}"\\u0000"${"]".repeat(100_000)}`);
  assertEquals(findBadText(deep)?.field.length, 300_000);
  let inner: unknown = replaceBadText(deep);
  for (let i = 0; i < 100_000; i++) inner = (inner as unknown[])[0];
  assertEquals(inner, "\uFFFD");
  const proto = JSON.parse('{"__proto__":{"x":"\\u0000"}}');
  assertEquals(Object.keys(replaceBadText(proto)), ["__proto__"]);
});

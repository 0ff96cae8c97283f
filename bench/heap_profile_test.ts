import { assertAlmostEquals, assertEquals } from "@std/assert";
import { summariseHeapProfile } from "./heap_profile.ts";

const root = new URL("../", import.meta.url).href;

function node(functionName: string, url: string, selfSize: number, children: unknown[] = []) {
  return { callFrame: { functionName, url, lineNumber: 9 }, selfSize, children };
}

Deno.test("summariseHeapProfile() weighs allocating functions, and charges a library's bytes to our caller", () => {
  const profile = {
    head: node("(root)", "", 0, [
      node("onMessage", `${root}transport/station_sockets.ts`, 300, [
        node("parse", "file:///x/node_modules/.deno/ws@8.18.0/node_modules/ws/lib/receiver.js", 500),
      ]),
      node("tick", "ext:core/01_core.js", 200),
    ]),
  };
  const summary = summariseHeapProfile(profile as never, 10);
  assertEquals(summary.totalBytes, 1000);
  assertEquals(summary.functions.map((f) => f.name), [
    "parse npm:ws@8.18.0:10",
    "onMessage transport/station_sockets.ts:10",
    "tick ext:core/01_core.js:10",
  ]);
  assertEquals(summary.ours.map((f) => [f.name, f.bytes]), [
    ["onMessage transport/station_sockets.ts:10", 800],
    ["(no frame of ours)", 200],
  ]);
  assertAlmostEquals(summary.ours[0]!.pct, 80);
});

Deno.test("summariseHeapProfile() keeps the top N", () => {
  const children = [1, 2, 3, 4].map((n) => node(`f${n}`, `${root}a.ts`, n * 10));
  const summary = summariseHeapProfile({ head: node("(root)", "", 0, children) } as never, 2);
  assertEquals(summary.functions.map((f) => f.bytes), [40, 30]);
});

import { assertEquals } from "@std/assert";
import { summariseProfile } from "./profile.ts";

Deno.test("summariseProfile() names our files by repository path, npm packages by name, idle as idle", () => {
  const root = new URL("../", import.meta.url).href;
  const node = (id: number, functionName: string, url: string, hitCount: number) => ({
    id,
    callFrame: { functionName, url, lineNumber: 9 },
    hitCount,
  });
  const summary = summariseProfile({
    nodes: [
      node(1, "(idle)", "", 6),
      node(2, "handle", `${root}actors/charge_point.ts`, 3),
      node(
        3,
        "serialize",
        "file:///x/node_modules/.deno/postgres@3.4.9/node_modules/postgres/src/types.js",
        1,
      ),
    ],
  });
  assertEquals(summary.files, [
    { file: "(idle)", pct: 60 },
    { file: "actors/charge_point.ts", pct: 30 },
    { file: "npm:postgres@3.4.9", pct: 10 },
  ]);
  assertEquals(summary.functions[1], { name: "handle actors/charge_point.ts:10", pct: 30 });
});

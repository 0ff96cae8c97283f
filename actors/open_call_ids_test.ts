import { assertEquals } from "@std/assert";
import { OpenCallIds } from "./open_call_ids.ts";
import { importOf, scavengesOf } from "../tests/helpers/scavenges.ts";

Deno.test("open CALL ids: one at a time, as a station sends them", () => {
  const ids = new OpenCallIds();
  assertEquals(ids.has("a"), false);
  ids.add("a");
  assertEquals([ids.has("a"), ids.has("b"), ids.size], [true, false, 1]);
  ids.delete("a");
  assertEquals([ids.has("a"), ids.size], [false, 0]);
  ids.delete("a");
  assertEquals(ids.size, 0);
});

Deno.test("open CALL ids: a station that does not wait keeps every id open until its answer", () => {
  const ids = new OpenCallIds();
  for (const id of ["a", "b", "c"]) ids.add(id);
  ids.add("b");
  assertEquals(ids.size, 3);
  ids.delete("a");
  assertEquals([ids.has("a"), ids.has("b"), ids.has("c"), ids.size], [false, true, true, 2]);
  // The freed slot takes the next id; the others stay open.
  ids.add("d");
  ids.add("b");
  assertEquals([ids.has("b"), ids.has("c"), ids.has("d"), ids.size], [true, true, true, 3]);
  ids.delete("c");
  ids.delete("d");
  assertEquals([ids.has("b"), ids.has("c"), ids.has("d"), ids.size], [true, false, false, 1]);
  ids.delete("b");
  assertEquals(ids.size, 0);
});

Deno.test("open CALL ids: answering one CALL after another allocates nothing for the collector", async () => {
  // A plain Set allocates a new table each time its last entry goes (~190 bytes a CALL, dozens of scavenges
  // here with a 1 MB young generation); counted in a process of its own, where nothing else allocates.
  const script = `
    ${importOf("OpenCallIds", "./open_call_ids.ts", import.meta.url)}
    const ids = new OpenCallIds();
    const names = Array.from({ length: 64 }, (_, i) => "id-" + i);
    for (let k = 0; k < 200000; k++) {
      const id = names[k & 63];
      ids.add(id);
      ids.delete(id);
    }
  `;
  const scavenges = await scavengesOf(script);
  if (scavenges > 3) throw new Error(`${scavenges} scavenges over 200,000 CALLs`);
});

import { assert, assertEquals } from "@std/assert";
import { waitForQuiet } from "./quiet.ts";

const FAST = { sampleMs: 200, busyCores: 0.1, quietSamples: 2, maxWaitMs: 4000 };

function spawn(code: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), { args: ["eval", code], stdout: "null", stderr: "null" }).spawn();
}

Deno.test("waitForQuiet() returns soon for idle processes", async () => {
  const idle = spawn("setTimeout(() => {}, 10_000)");
  try {
    await new Promise((r) => setTimeout(r, 500)); // past its start-up
    const quiet = await waitForQuiet([idle.pid], FAST);
    assert(quiet.quiet);
    assert(quiet.waitedMs < 1500, `waited ${quiet.waitedMs} ms`);
  } finally {
    idle.kill();
    await idle.status;
  }
});

Deno.test("waitForQuiet() waits until a busy process is done, and gives up at its bound", async () => {
  const busyFor = (ms: number) =>
    spawn(`const end = Date.now() + ${ms}; while (Date.now() < end) {} setTimeout(() => {}, 10_000)`);
  const briefly = busyFor(1200);
  const long = busyFor(10_000);
  // A spinning process on a loaded machine (the full suite beside it) gets a small share of a core: busy
  // from 0.01 cores, not 0.1 (24 spinners on 2 cores left it ~0.08: seen quiet while it spun), and its
  // start-up may take seconds before it spins.
  const loaded = { ...FAST, busyCores: 0.01, maxWaitMs: 15_000 };
  try {
    const waited = await waitForQuiet([briefly.pid], loaded);
    assert(waited.quiet);
    assert(waited.waitedMs >= 900, `waited only ${waited.waitedMs} ms`);
    const bounded = await waitForQuiet([long.pid], { ...loaded, maxWaitMs: 800 });
    assertEquals(bounded.quiet, false);
    assert(bounded.lastBusiestCores >= loaded.busyCores, `busiest ${bounded.lastBusiestCores} cores`);
  } finally {
    for (const child of [briefly, long]) {
      child.kill();
      await child.status;
    }
  }
});

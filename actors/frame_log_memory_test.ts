/**
 * Issue 10 item 7, measured: the frame log keeps a copy of a long frame's start, not a slice that would keep
 * the whole frame alive. Run in a child process with --expose-gc so the heap can be measured after a full GC.
 */
import { assert } from "@std/assert";

const SCRIPT = `
import { FrameLog } from ${JSON.stringify(new URL("./frame_log.ts", import.meta.url).href)};
const gc = globalThis.gc;
const log = new FrameLog(10, 5000);
// The frames' bytes live in ArrayBuffers, outside V8's heap: both count.
const used = () => { const m = Deno.memoryUsage(); return m.heapUsed + m.external; };
gc(); gc();
const before = used();
for (let i = 0; i < 2000; i++) {
  // 60 KB frames, each its own string (built, so none is shared with another).
  const frame = '[2,"' + i + '","DataTransfer",{"vendorId":"v","data":"' + String(i).padEnd(60000, "x") + '"}]';
  log.record("CP-" + i, "in", frame, new Date());
}
gc(); gc();
const grownBytes = used() - before;
// The log must still be alive when measured (an unused one could be collected).
console.log(JSON.stringify({ grownBytes, kept: log.list("CP-1999").length }));
`;

Deno.test("FrameLog keeps about 2 KB per long frame, not the 60 KB frame it was cut from", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms-framelog-" });
  try {
    const file = `${dir}/measure.ts`;
    await Deno.writeTextFile(file, SCRIPT);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--expose-gc", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert(out.success, new TextDecoder().decode(out.stderr));
    const { grownBytes, kept } = JSON.parse(text.trim().split("\n").at(-1) as string);
    assert(kept === 1);
    // 2,000 frames: ~8 MB when each keeps a 2,000-character copy (two bytes per character at worst),
    // ~120 MB when each keeps its 60 KB original alive.
    assert(grownBytes < 20 * 1024 * 1024, `the frame log grew by ${Math.round(grownBytes / 1024 / 1024)} MB`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

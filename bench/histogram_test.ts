import { assert, assertEquals } from "@std/assert";
import { Histogram } from "./histogram.ts";

Deno.test("Histogram.percentile() is within 5% of the exact percentile", () => {
  const h = new Histogram();
  for (let i = 1; i <= 1000; i++) h.record(i / 10);
  for (const [q, exact] of [[0.5, 50], [0.95, 95], [0.99, 99]] as const) {
    const got = h.percentile(q)!;
    assert(Math.abs(got - exact) / exact < 0.05, `p${q * 100} was ${got}, expected about ${exact}`);
  }
  assertEquals(h.summary().max, 100);
});

Deno.test("Histogram.add() merges counts so the merged percentiles match one histogram of everything", () => {
  const a = new Histogram();
  const b = new Histogram();
  const all = new Histogram();
  for (let i = 0; i < 500; i++) {
    a.record(1 + i % 7);
    b.record(100 + i % 13);
    all.record(1 + i % 7);
    all.record(100 + i % 13);
  }
  const merged = new Histogram();
  merged.add(a.toJSON().counts, a.toJSON());
  merged.add(b.toJSON().counts, b.toJSON());
  assertEquals(merged.summary(), all.summary());
});

Deno.test("Histogram.percentile() is null when nothing was recorded", () => {
  assertEquals(new Histogram().percentile(0.5), null);
});

import { assertEquals } from "@std/assert";
import { thinPoints } from "./thin_points.ts";

const series = (n: number, v: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ t: i, v: v(i) }));

Deno.test("thinPoints() leaves a series within the bound as it is", () => {
  const points = series(10, (i) => i);
  assertEquals(thinPoints(points, 10), points);
});

Deno.test("thinPoints() keeps at most max points, the first, the last and a peak", () => {
  const points = series(100_000, (i) => (i === 54_321 ? 22_000 : 7_000));
  const thinned = thinPoints(points, 1000);
  assertEquals(thinned.length <= 1000, true);
  assertEquals(thinned[0], points[0]);
  assertEquals(thinned.at(-1), points.at(-1));
  assertEquals(thinned.some((p) => p.v === 22_000), true);
  assertEquals(thinned.every((p, i) => i === 0 || p.t > thinned[i - 1]!.t), true);
});

Deno.test("thinPoints() with a bound below 4 keeps the ends", () => {
  assertEquals(thinPoints(series(5, (i) => i), 2), [{ t: 0, v: 0 }, { t: 4, v: 4 }]);
});

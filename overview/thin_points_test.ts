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

Deno.test("thinPoints() thins a thinned series grown by dense live points to the same detail everywhere", () => {
  // 1,000 points over 10,000 minutes (thinned before), then 1,000 live ones a minute apart.
  const older = series(1000, (i) => i).map((p) => ({ t: p.t * 10, v: p.v }));
  const live = series(1000, (i) => 1000 + i).map((p) => ({ t: 10_000 + p.t, v: p.v }));
  const thinned = thinPoints([...older, ...live], 1000);
  assertEquals(thinned.length <= 1000, true);
  // The older part keeps about 10/11 of the points, as its share of the time.
  const olderKept = thinned.filter((p) => p.t < 10_000).length;
  assertEquals(olderKept > 850, true, `${olderKept} of the older points kept`);
  assertEquals([thinned[0], thinned.at(-1)], [older[0], live.at(-1)]);
});

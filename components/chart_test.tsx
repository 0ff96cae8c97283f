import { assertEquals } from "@std/assert";
import { renderToString } from "preact-render-to-string";
import { LineChart, ticks } from "./chart.tsx";

Deno.test("ticks() are round numbers covering the range", () => {
  assertEquals(ticks(0, 1), [0, 0.25, 0.5, 0.75, 1]);
  assertEquals(ticks(0, 7.6), [0, 2, 4, 6]);
  assertEquals(ticks(5, 5), [5]);
});

Deno.test("LineChart labels its axis with the ticks themselves: a small energy range keeps distinct labels", () => {
  // 0.4 Wh over the session: ticks 0.0002 kWh apart, which three decimals printed as 0, 0, 0.
  const points = [0, 0.0001, 0.0002, 0.0004].map((v, i) => ({ t: i * 60_000, v }));
  const html = renderToString(
    <LineChart id="energy" title="Energy" unit="kWh" points={points} tone="energy" />,
  );
  const labels = [...html.matchAll(/<g class="grid">.*?<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
  assertEquals(labels, ["0", "0.0002", "0.0004"]);
});

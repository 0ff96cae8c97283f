import { assert, assertEquals } from "@std/assert";
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

Deno.test("LineChart's unit sits above the plot, clear of the top tick's label", () => {
  // The top of the range is a tick (0.6 kWh): its label is drawn at the plot's top edge.
  const points = [0, 0.2, 0.4, 0.6].map((v, i) => ({ t: i * 60_000, v }));
  const html = renderToString(
    <LineChart id="energy" title="Energy" unit="kWh" points={points} tone="energy" />,
  );
  const tickYs = [...html.matchAll(/<g class="grid">.*?<text[^>]*y="([\d.]+)"[^>]*>/g)].map((m) =>
    Number(m[1])
  );
  const unitY = Number(/<text class="axis" x="\d+" y="([\d.]+)">kWh<\/text>/.exec(html)?.[1]);
  // SVG text is placed by its baseline; the axis font is ~11 units high.
  assert(unitY <= Math.min(...tickYs) - 11, `unit at ${unitY}, top tick label at ${Math.min(...tickYs)}`);
});

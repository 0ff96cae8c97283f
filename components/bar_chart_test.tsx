import { assertEquals } from "@std/assert";
import { renderToString } from "preact-render-to-string";
import { DailyEnergyChart, type DayEnergy } from "./bar_chart.tsx";

/** The y axis labels of a rendered chart, bottom to top. */
function axisLabels(days: DayEnergy[]): string[] {
  const html = renderToString(<DailyEnergyChart id="e" title="Energy" days={days} />);
  return [...html.matchAll(/<g class="grid">.*?<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

const week = (wh: number[]) => wh.map((w, i) => ({ day: `2026-12-0${i + 1}`, wh: w }));

Deno.test("DailyEnergyChart's axis reads 0 to 1 kWh when no energy was delivered", () => {
  assertEquals(axisLabels(week([0, 0, 0])), ["0", "0.25", "0.5", "0.75", "1"]);
});

Deno.test("DailyEnergyChart's axis labels are the ticks themselves, never two alike", () => {
  // 0.4 Wh at most: ticks two ten-thousandths of a kWh apart, which three decimals printed as 0, 0, 0.
  assertEquals(axisLabels(week([0.4, 0.1, 0])), ["0", "0.0002", "0.0004"]);
  assertEquals(axisLabels(week([850, 250])), ["0", "0.25", "0.5", "0.75"]);
});

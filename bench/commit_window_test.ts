import { assertEquals } from "@std/assert";
import { commitWindow, commitWindowText, parseCommitScrape } from "./commit_window.ts";
import { PrometheusMetrics } from "../metrics/prometheus.ts";

Deno.test("commitWindow() reads the store's commits between two scrapes of the server's own metrics", async () => {
  const metrics = new PrometheusMetrics();
  metrics.storeCommitted({ size: 100, seconds: 0.5, ok: true });
  const before = parseCommitScrape(await metrics.render());
  // The window: 4 commits of 2, 4, 6 and 8 writes, one of them slower than 25 ms; a failed one is not counted.
  metrics.storeCommitted({ size: 2, seconds: 0.001, ok: true });
  metrics.storeCommitted({ size: 4, seconds: 0.003, ok: true });
  metrics.storeCommitted({ size: 6, seconds: 0.02, ok: true });
  metrics.storeCommitted({ size: 8, seconds: 0.04, ok: true });
  metrics.storeCommitted({ size: 50, seconds: 2, ok: false });
  const after = parseCommitScrape(await metrics.render());
  const window = commitWindow(before, after, 2)!;
  assertEquals(window, { perS: 2, meanSize: 5, meanMs: 16, slowPct: 25, slowMs: 25 });
  assertEquals(commitWindowText(window), "group commits 2/s, 5 writes each, 16 ms mean, 25% over 25 ms");
  // A bound that is not one of the histogram's buckets has no share.
  assertEquals(commitWindow(before, after, 2, 30)?.slowPct, null);
});

Deno.test("commitWindow() is null for a window without commits, and other series are not read", () => {
  const text = [
    'csms_store_commit_duration_seconds_count{outcome="failed"} 7',
    'csms_calls_total{action="Heartbeat",outcome="accepted"} 9',
    'csms_store_commit_duration_seconds_count{outcome="ok"} 3',
  ].join("\n");
  const scrape = parseCommitScrape(text);
  assertEquals(scrape.commits, 3);
  assertEquals(commitWindow(scrape, scrape, 5), null);
});

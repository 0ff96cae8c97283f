import { assertEquals, assertStringIncludes } from "@std/assert";
import { PrometheusMetrics } from "./prometheus.ts";

Deno.test("PrometheusMetrics counts an unknown action as other and caps the distinct values of a label", async () => {
  const metrics = new PrometheusMetrics({ actions: ["Heartbeat"] });
  metrics.callHandled("Heartbeat", "accepted", 0.001);
  metrics.callHandled("Invented", "NotImplemented", 0.001);
  for (let i = 0; i < 100; i++) metrics.handshake(400 + i);
  const text = await metrics.render();
  assertStringIncludes(text, 'csms_ocpp_messages_total{action="Heartbeat",outcome="accepted"} 1');
  assertStringIncludes(text, 'csms_ocpp_messages_total{action="other",outcome="NotImplemented"} 1');
  const statuses = new Set(
    [...text.matchAll(/csms_ocpp_handshakes_total\{[^}]*status="([^"]+)"/g)].map((m) => m[1]),
  );
  assertEquals(statuses.size, 65);
  assertEquals(statuses.has("other"), true);
});

Deno.test("PrometheusMetrics reads its gauges when scraped", async () => {
  const metrics = new PrometheusMetrics();
  let connected = 3;
  metrics.gauge("csms_connected_stations", "Stations", () => connected);
  assertStringIncludes(await metrics.render(), "csms_connected_stations 3");
  connected = 5;
  assertStringIncludes(await metrics.render(), "csms_connected_stations 5");
});

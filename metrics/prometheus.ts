/**
 * The Prometheus side of `Metrics`, on npm `prom-client` (a maintained client that runs under Deno): one
 * registry per server (tests run several servers in one process), rendered in the text exposition format by
 * `GET /metrics`. Process memory comes from `Deno.memoryUsage()` when scraped. prom-client's default
 * collectors are not used: their event-loop monitor keeps a timer alive and reports values Deno does not
 * have.
 *
 * Label values that a station chooses (the action of a CALL) are checked against the known actions, so a
 * station inventing names cannot create series without bound.
 *
 * @example
 * ```ts
 * import { PrometheusMetrics } from "./prometheus.ts";
 * const metrics = new PrometheusMetrics();
 * metrics.callHandled("Heartbeat", "accepted", 0.002);
 * metrics.gauge("csms_connected_stations", "Stations connected to this process", () => 3);
 * const text = await metrics.render();
 * ```
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { ALL_ACTIONS } from "../protocol/ocpp16/mod.ts";
import { CallStats } from "./call_stats.ts";
import type { CommitBatch, Metrics } from "./metrics.ts";

/** Seconds: a CALL answered from memory takes well under a millisecond, one waiting for a commit a few. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
/** Distinct values one label may take before the rest count as "other". */
const MAX_LABEL_VALUES = 64;

export interface PrometheusMetricsOptions {
  /** Action names that get their own label value; others count as "other" (default: every OCPP 1.6 action). */
  actions?: readonly string[];
}

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #actions: ReadonlySet<string>;
  readonly #seen = new Map<string, Set<string>>();
  readonly #calls: CallStats;
  readonly #handshakes: Counter<"outcome" | "status">;
  readonly #commitSeconds: Histogram<"outcome">;
  readonly #commitSize: Histogram<"outcome">;
  readonly #commands: Counter<"action" | "outcome">;
  readonly #streams: Gauge;
  readonly #dropped: Counter<"reason">;

  constructor(options: PrometheusMetricsOptions = {}) {
    this.#actions = new Set(options.actions ?? ALL_ACTIONS);
    const registers = [this.registry];
    this.#calls = new CallStats(this.registry, LATENCY_BUCKETS);
    this.#handshakes = new Counter({
      name: "csms_ocpp_handshakes_total",
      help: "Station WebSocket upgrades, accepted (101) or refused (the HTTP status)",
      labelNames: ["outcome", "status"],
      registers,
    });
    this.#commitSeconds = new Histogram({
      name: "csms_store_commit_duration_seconds",
      help: "Duration of one store group commit",
      labelNames: ["outcome"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#commitSize = new Histogram({
      name: "csms_store_commit_batch_size",
      help: "Writes carried by one store group commit",
      labelNames: ["outcome"],
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.#commands = new Counter({
      name: "csms_operator_commands_total",
      help: "Commands operators sent to stations, by action and outcome (as in the command log)",
      labelNames: ["action", "outcome"],
      registers,
    });
    this.#streams = new Gauge({
      name: "csms_sse_clients",
      help: "Open live event streams (Server-Sent Events) of the dashboard and API clients",
      registers,
    });
    this.#dropped = new Counter({
      name: "csms_connections_dropped_total",
      help: "Connections closed before their request was read (a source's slow ones past its cap, a TLS " +
        "handshake or headers timed out, headers too large, an unreadable request)",
      labelNames: ["reason"],
      registers,
    });
    this.gauge("process_resident_memory_bytes", "Resident memory size in bytes", () => memory().rss);
    this.gauge("csms_heap_used_bytes", "V8 heap in use, in bytes", () => memory().heapUsed);
    this.gauge("csms_heap_total_bytes", "V8 heap reserved, in bytes", () => memory().heapTotal);
    this.gauge(
      "csms_external_memory_bytes",
      "Memory held outside the V8 heap, in bytes",
      () => memory().external,
    );
  }

  /** A gauge read when scraped (e.g. connected stations from the registry). */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** The text exposition format (`text/plain; version=0.0.4`). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  callHandled(action: string, outcome: string, seconds: number): void {
    const known = this.#actions.has(action) ? action : "other";
    // Every answered CALL lands here: counted in plain numbers, handed to prom-client when scraped.
    this.#calls.add(known, this.#bounded("outcome", outcome), seconds);
  }

  handshake(status: number): void {
    this.#handshakes.inc({
      outcome: status === 101 ? "accepted" : "refused",
      status: this.#bounded("status", String(status)),
    });
  }

  storeCommitted(batch: CommitBatch): void {
    const outcome = batch.ok ? "ok" : "failed";
    this.#commitSeconds.observe({ outcome }, batch.seconds);
    this.#commitSize.observe({ outcome }, batch.size);
  }

  commandFinished(action: string, outcome: string): void {
    this.#commands.inc({
      action: this.#actions.has(action) ? action : "other",
      outcome: this.#bounded("commandOutcome", outcome),
    });
  }

  connectionDropped(reason: string): void {
    this.#dropped.inc({ reason: this.#bounded("dropped", reason) });
  }

  eventStreamsChanged(delta: 1 | -1): void {
    this.#streams.inc(delta);
  }

  /** `value`, unless this label already took MAX_LABEL_VALUES others: then "other". */
  #bounded(label: string, value: string): string {
    let seen = this.#seen.get(label);
    if (!seen) this.#seen.set(label, seen = new Set());
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES) return "other";
    seen.add(value);
    return value;
  }
}

function memory(): Deno.MemoryUsage {
  return Deno.memoryUsage();
}

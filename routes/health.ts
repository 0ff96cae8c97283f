/**
 * `GET /healthz` (the process is alive and serving) and `GET /readyz` (it can do its job: the stores answer, its
 * writes are stored and it is not shutting down), for load balancers and orchestrators. Both are anonymous and
 * say nothing secret: a `/readyz` that is not ready says why by a reason code (`ReadinessReason`) and a fixed
 * sentence, never the store's error, which can name the database's host, its URL or a file's path. The detail
 * is for operators: the admin's server warnings (writes refused) and the server's log (reads failing).
 */
import type { Hono } from "hono";
import type { Registry } from "../actors/registry.ts";
import type { Logger } from "../logger.ts";
import type { AuthStore } from "../store/auth.ts";
import type { Store } from "../store/mod.ts";

export interface HealthDeps {
  registry: Registry;
  store: Store;
  auth: AuthStore;
  /** Where a failed read check is told with its error (once per streak of failed checks); absent: not told. */
  logger?: Logger;
  /** Aborted when the server shuts down: no longer ready. */
  shutdownSignal: AbortSignal;
  /** How long the store may take to answer before the process counts as not ready (default 2000 ms). */
  readyTimeoutMs?: number;
  /**
   * Why the store refuses writes lately (store/write_health.ts), or null: reads alone would say ready while
   * every write fails (a full disk takes writes, not reads).
   */
  writeHealth?: { problem(): string | null };
}

/** Why `/readyz` answers 503, as an anonymous caller reads it. */
export type ReadinessReason =
  | "shutting_down"
  | "store_writes_failing"
  | "store_unreachable"
  | "store_timeout";

export function addHealthRoutes(app: Hono, deps: HealthDeps): void {
  const timeoutMs = deps.readyTimeoutMs ?? 2000;
  /** The read check failed last time: its error is logged at the first failure of a streak, not at every probe. */
  let readsFailing = false;
  const unavailable = (reason: ReadinessReason, message: string) =>
    Response.json({ status: "unavailable", reason, message }, { status: 503 });
  app.get("/healthz", (c) => c.json({ status: "ok", connectedStations: deps.registry.size }));
  app.get("/readyz", async function readiness(c) {
    if (deps.shutdownSignal.aborted) return unavailable("shutting_down", "The server is shutting down");
    // The write problem's text is the admin's (GET /api/v1/server-warnings), logged when the episode began.
    if (deps.writeHealth?.problem()) return unavailable("store_writes_failing", "Store writes are failing");
    const read = await withinTime(
      Promise.all([deps.store.listChargePoints({ limit: 1 }), deps.auth.countUsers()]),
      timeoutMs,
    );
    if (read === null) {
      if (readsFailing) deps.logger?.info("readiness check reads the store again");
      readsFailing = false;
      return c.json({ status: "ready" });
    }
    if (!readsFailing) {
      deps.logger?.warn("readiness check cannot read the store", {
        error: read.error ?? `no answer in ${timeoutMs} ms`,
      });
    }
    readsFailing = true;
    return read.error === undefined
      ? unavailable("store_timeout", `The store did not answer within ${timeoutMs} ms`)
      : unavailable("store_unreachable", "The store cannot be reached");
  });
}

/** null when `work` settles in time, else how it failed: its error's text, or none when it did not answer. */
async function withinTime(work: Promise<unknown>, ms: number): Promise<{ error?: string } | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<{ error?: string }>((resolve) => {
    timer = setTimeout(() => resolve({}), ms);
  });
  try {
    return await Promise.race([
      work.then(() => null, (error) => ({ error: describe(error) })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

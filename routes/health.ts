/**
 * `GET /healthz` (the process is alive and serving) and `GET /readyz` (it can do its job: the stores answer, its
 * writes are stored and it is not shutting down), for load balancers and orchestrators. Both are anonymous and say nothing secret.
 */
import type { Hono } from "hono";
import type { Registry } from "../actors/registry.ts";
import type { AuthStore } from "../store/auth.ts";
import type { Store } from "../store/mod.ts";

export interface HealthDeps {
  registry: Registry;
  store: Store;
  auth: AuthStore;
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

export function addHealthRoutes(app: Hono, deps: HealthDeps): void {
  const timeoutMs = deps.readyTimeoutMs ?? 2000;
  app.get("/healthz", (c) => c.json({ status: "ok", connectedStations: deps.registry.size }));
  app.get("/readyz", async function readiness(c) {
    if (deps.shutdownSignal.aborted) {
      return c.json({ status: "unavailable", message: "The server is shutting down" }, 503);
    }
    const refused = deps.writeHealth?.problem() ?? null;
    if (refused !== null) return c.json({ status: "unavailable", message: refused }, 503);
    const problem = await withinTime(
      Promise.all([deps.store.listChargePoints({ limit: 1 }), deps.auth.countUsers()]),
      timeoutMs,
    );
    if (problem !== null) return c.json({ status: "unavailable", message: problem }, 503);
    return c.json({ status: "ready" });
  });
}

/** null when `work` settles in time, else why not (the error, or the time it did not answer in). */
async function withinTime(work: Promise<unknown>, ms: number): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`The store did not answer within ${ms} ms`), ms);
  });
  try {
    return await Promise.race([
      work.then(() => null, (error) => `The store cannot be reached: ${describe(error)}`),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

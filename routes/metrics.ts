/**
 * `GET /metrics`: Prometheus text format for a scraper. Who may read it (README, "Metrics"): an API token of
 * any role (`Authorization: Bearer`, what a Prometheus job is configured with) or an admin's login session;
 * anonymous callers get 401, viewer and operator sessions 403. The credential is checked by the operator API
 * itself (`/api/v1/auth/me`, in-process), so the rules are the API's.
 */
import type { Context, Hono } from "hono";
import type { PrometheusMetrics } from "../metrics/prometheus.ts";

/** Calls the app in-process (the API is under /api). */
export type AppFetch = (path: string, init: RequestInit) => Response | Promise<Response>;

export function addMetricsRoute(app: Hono, deps: { metrics: PrometheusMetrics; fetchApp: AppFetch }): void {
  app.get("/metrics", async function metrics(c) {
    const refusal = await refusalOf(c, deps.fetchApp);
    if (refusal) return refusal;
    return c.body(await deps.metrics.render(), 200, {
      "content-type": deps.metrics.contentType,
      "cache-control": "no-store",
    });
  });
}

async function refusalOf(c: Context, fetchApp: AppFetch): Promise<Response | null> {
  const headers = new Headers();
  for (const name of ["authorization", "cookie"]) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  const res = await fetchApp("/api/v1/auth/me", { headers });
  const me = await res.json().catch(() => null) as { kind?: string; role?: string; message?: string } | null;
  if (res.status === 401 || res.status === 200 && !me?.kind) {
    return c.json(
      {
        error: "unauthenticated",
        message: me?.message ?? "Metrics need an API token: Authorization: Bearer <token>",
      },
      401,
      { "www-authenticate": 'Bearer realm="metrics"' },
    );
  }
  if (res.status !== 200) {
    return c.json({ error: "unavailable", message: "Cannot check the credential" }, 503);
  }
  if (me?.kind === "token" || me?.role === "admin") return null;
  return c.json({
    error: "forbidden",
    message: `Metrics need an API token or an admin's login; ${me?.kind} has role "${me?.role}"`,
  }, 403);
}

/**
 * The composition root: config -> store -> cluster bus -> registry -> app -> Deno.serve.
 *
 *   deno task start                       # embedded Deno KV in ./data/csms.kv
 *   DATABASE_URL=postgres://... deno task start             # PostgreSQL; a node of the cluster on it
 *   WORKERS=4 DATABASE_URL=postgres://... deno task start   # 4 server processes on one port
 *   (on Deno Deploy the isolates are one cluster on the built-in KV)
 *
 * A setting, store or listener that does not work ends the process with one line on stderr.
 */
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { PrometheusMetrics } from "./metrics/prometheus.ts";
import { processName, startServer } from "./server.ts";
import { openStores, refusesEveryWriteOf } from "./store/open.ts";
import { WriteHealth } from "./store/write_health.ts";
import { runTask } from "./tasks/cli.ts";
import { EXIT_ABANDONED, ShutdownDeadline } from "./shutdown_deadline.ts";
import type { ClusterBackend } from "./cluster/mod.ts";
import type { SecurityViews } from "./cluster/postgres_views.ts";

await runTask(async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  // Before anything opens: stdin that is not the supervisor's pipe would stop this process as it starts.
  if (config.SUPERVISED) (await import("./cluster/supervisor_pipe.ts")).assertSupervisorPipe();
  if (config.WORKERS > 1) {
    // The schema is migrated once, before the workers start.
    await (await openStores(config, logger)).close();
    const { superviseWorkers } = await import("./cluster/workers.ts");
    const code = await superviseWorkers(config, logger, {
      main: new URL(import.meta.url).pathname,
      denoConfig: new URL("./deno.json", import.meta.url).pathname,
    });
    Deno.exit(code);
  }
  const metrics = new PrometheusMetrics();
  const writeHealth = new WriteHealth(logger, { refusesEveryWrite: refusesEveryWriteOf(config) });
  const stores = await openStores(config, logger, {
    commitObserver: (batch) => {
      metrics.storeCommitted(batch);
      writeHealth.observe(batch);
    },
  });
  const nodeId = processName();
  let cluster: ClusterBackend | undefined;
  let sharedSecurity: SecurityViews | undefined;
  if (config.DATABASE_URL && config.CLUSTER === "on") {
    const { openPostgresCluster } = await import("./cluster/postgres.ts");
    const { openPostgresSecurityViews } = await import("./cluster/postgres_views.ts");
    cluster = await openPostgresCluster(config.DATABASE_URL, { nodeId, logger }).catch(async (error) => {
      await stores.close();
      throw error;
    });
    sharedSecurity = openPostgresSecurityViews(config.DATABASE_URL, { nodeId, logger });
  } else if (config.DENO_DEPLOYMENT_ID && config.CLUSTER === "on" && stores.kv) {
    // Deno Deploy: isolates share the built-in KV, and are one cluster on it (on the stores' handle: a
    // second handle on one database contends for its write lock).
    const { openKvCluster } = await import("./cluster/kv.ts");
    cluster = openKvCluster(stores.kv, { nodeId, logger });
  }
  const server = await startServer(config, stores.store, {
    logger,
    metrics,
    holder: nodeId,
    auth: stores.auth,
    stationSecurity: stores.stationSecurity,
    energy: stores.energy,
    securityExtension: stores.securityExtension,
    fleet: stores.fleet,
    writeHealth,
    ...(cluster ? { cluster } : {}),
    ...(sharedSecurity ? { sharedSecurity } : {}),
  }).catch(async (error) => {
    await sharedSecurity?.close();
    await cluster?.close();
    await stores.close();
    throw error;
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    // One deadline for the whole stop, the stores' close included: a hung database cannot hold it longer.
    const deadline = new ShutdownDeadline(config.SHUTDOWN_DEADLINE_S * 1000, logger);
    await server.shutdown(deadline);
    const closed = (async () => {
      await sharedSecurity?.close();
      await cluster?.close();
      await stores.close();
    })();
    if (!await deadline.finished(closed)) {
      deadline.abandoned("store not closed", {
        detail: "its last group commit and its connections were dropped; what they held is not stored",
      });
    }
    deadline.dispose();
    Deno.exit(deadline.anythingAbandoned ? EXIT_ABANDONED : 0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => void stop(signal));
  }
  // A worker whose supervisor died (SIGKILL sends it nothing) stops rather than hold the port and its stations.
  if (config.SUPERVISED) {
    const { watchSupervisor } = await import("./cluster/supervisor_pipe.ts");
    watchSupervisor(() => void stop("supervisor gone"));
  }
});

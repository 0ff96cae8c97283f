/**
 * The composition root: config -> store -> registry -> app -> Deno.serve.
 *
 *   deno task start                       # embedded Deno KV in ./data/csms.kv
 *   DATABASE_URL=postgres://... deno task start
 *
 * A setting, store or listener that does not work ends the process with one line on stderr.
 */
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { PrometheusMetrics } from "./metrics/prometheus.ts";
import { startServer } from "./server.ts";
import { openStores } from "./store/open.ts";
import { runTask } from "./tasks/cli.ts";

await runTask(async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  const metrics = new PrometheusMetrics();
  const stores = await openStores(config, logger, {
    commitObserver: (batch) => metrics.storeCommitted(batch),
  });
  const server = await startServer(config, stores.store, {
    logger,
    metrics,
    auth: stores.auth,
    stationSecurity: stores.stationSecurity,
    energy: stores.energy,
    securityExtension: stores.securityExtension,
    fleet: stores.fleet,
  }).catch(async (error) => {
    await stores.close();
    throw error;
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    await server.shutdown();
    await stores.close();
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => void stop(signal));
  }
});

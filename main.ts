/**
 * The composition root: config -> store -> registry -> app -> Deno.serve.
 *
 *   deno task start                       # embedded Deno KV in ./data/csms.kv
 *   DATABASE_URL=postgres://... deno task start
 */
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startServer } from "./server.ts";
import { openStores } from "./store/open.ts";

const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL });
const stores = await openStores(config, logger);
const server = await startServer(config, stores.store, {
  logger,
  auth: stores.auth,
  stationSecurity: stores.stationSecurity,
  securityExtension: stores.securityExtension,
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

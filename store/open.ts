/** Builds the configured Store: PostgreSQL when DATABASE_URL is set, else embedded Deno KV. */
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { AuthStore } from "./auth_store.ts";
import type { StationSecurityStore } from "./station_security_store.ts";
import type { Store } from "./store.ts";

export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.DATABASE_URL) {
    const { openPostgresStore } = await import("./postgres.ts");
    const store = await openPostgresStore(config.DATABASE_URL);
    logger.info("store opened", { kind: "postgres", url: redact(config.DATABASE_URL) });
    return store;
  }
  const { openKvStore } = await import("./kv.ts");
  // On Deno Deploy KV is built in and takes no path.
  const path = config.DENO_DEPLOYMENT_ID ? undefined : config.KV_PATH;
  const store = await openKvStore(path);
  logger.info("store opened", { kind: "kv", path: path ?? "(Deno Deploy)" });
  return store;
}

/** Builds the AuthStore beside the Store: same database or KV file, its own handle or small pool. */
export async function openAuthStore(config: Config, logger: Logger): Promise<AuthStore> {
  if (config.DATABASE_URL) {
    const { openPostgresAuthStore } = await import("./auth_postgres.ts");
    const auth = await openPostgresAuthStore(config.DATABASE_URL);
    logger.info("auth store opened", { kind: "postgres" });
    return auth;
  }
  const { openKvAuthStore } = await import("./auth_kv.ts");
  const auth = await openKvAuthStore(config.DENO_DEPLOYMENT_ID ? undefined : config.KV_PATH);
  logger.info("auth store opened", { kind: "kv" });
  return auth;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable)";
  }
}

/** Builds the StationSecurityStore beside the Store: same database or KV file, its own handle or small pool. */
export async function openStationSecurityStore(
  config: Config,
  logger: Logger,
): Promise<StationSecurityStore> {
  if (config.DATABASE_URL) {
    const { openPostgresStationSecurityStore } = await import("./station_security_postgres.ts");
    const store = await openPostgresStationSecurityStore(config.DATABASE_URL);
    logger.info("station security store opened", { kind: "postgres" });
    return store;
  }
  const { openKvStationSecurityStore } = await import("./station_security_kv.ts");
  const store = await openKvStationSecurityStore(config.DENO_DEPLOYMENT_ID ? undefined : config.KV_PATH);
  logger.info("station security store opened", { kind: "kv" });
  return store;
}

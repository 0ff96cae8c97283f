/**
 * The API server on the store a test names: Deno KV in memory, or a fresh PostgreSQL database (dropped
 * afterwards) with all three stores opened the way main.ts opens them.
 */
import { parseConfig } from "../../config.ts";
import { createMemoryLogger } from "../../logger.ts";
import { openStores } from "../../store/open.ts";
import type { ServerOptions } from "../../server.ts";
import { type ApiTestServer, startApiServer } from "./api.ts";
import { migratedDatabase } from "./postgres.ts";

export type StoreKind = "kv" | "postgres";

export async function withApiServer(
  kind: StoreKind,
  fn: (server: ApiTestServer) => Promise<void>,
  env: Record<string, string> = {},
  /** Besides the stores (e.g. `now`, a clock the test moves). */
  options: ServerOptions = {},
  /** The PostgreSQL database's name prefix (a fresh one each run). */
  database = `csms_${kind}`,
): Promise<void> {
  if (kind === "kv") {
    const server = await startApiServer(env, options);
    try {
      return await fn(server);
    } finally {
      await server.close();
    }
  }
  const db = await migratedDatabase(database);
  try {
    const stores = await openStores(parseConfig({ DATABASE_URL: db.url }), createMemoryLogger());
    try {
      const server = await startApiServer(env, { ...options, ...stores });
      try {
        await fn(server);
      } finally {
        await server.close();
      }
    } finally {
      await stores.close();
    }
  } finally {
    await db.drop();
  }
}

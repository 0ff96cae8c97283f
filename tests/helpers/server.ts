/** Starts the real server in-process on a random port, with a memory logger, for end-to-end tests. */
import { parseConfig } from "../../config.ts";
import { createMemoryLogger } from "../../logger.ts";
import { type RunningServer, type ServerOptions, startServer } from "../../server.ts";
import { KvStore, openKvHandle } from "../../store/kv/mod.ts";
import { kvFleetStore } from "../../store/kv/fleet.ts";
import type { Store } from "../../store/mod.ts";

export interface TestServer extends RunningServer {
  wsUrl: string;
  logs: ReturnType<typeof createMemoryLogger>["lines"];
  /** Shuts the server down and closes the store (unless the store was passed in). */
  close(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: ServerOptions & { store?: Store } = {},
): Promise<TestServer> {
  // HTTP_SERVER=deno deno task test: the suite's in-process servers on that transport (a test's own wins).
  const transport = Deno.env.get("HTTP_SERVER");
  const config = parseConfig({
    PORT: "0",
    HOSTNAME: "127.0.0.1",
    LOG_LEVEL: "debug",
    ...(transport ? { HTTP_SERVER: transport } : {}),
    ...env,
  });
  // LOG_LEVEL filters the memory logger as it filters stdout in production.
  const logger = createMemoryLogger(config.LOG_LEVEL);
  const ownStore = !options.store;
  // As store/open.ts does: the fleet store shares the Store's KV handle (retention deletes the Store's rows).
  const kv = options.store ? null : await openKvHandle(":memory:");
  const store = options.store ?? new KvStore(kv!);
  const fleet = options.fleet ?? (kv ? kvFleetStore(kv) : undefined);
  const server = await startServer(config, store, { logger, ...options, ...(fleet ? { fleet } : {}) });
  return {
    ...server,
    wsUrl: `ws://127.0.0.1:${server.port}/ocpp`,
    logs: logger.lines,
    async close() {
      await server.shutdown();
      if (ownStore) await store.close();
    },
  };
}

/**
 * How long `eventually` waits at least. The timeout only bounds how long a broken build takes to fail: on a
 * busy 2-core CI machine a condition that takes 50 ms alone can take seconds, so no wait is shorter.
 */
const MIN_WAIT_MS = 15_000;

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`, at least `MIN_WAIT_MS`). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = MIN_WAIT_MS,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + Math.max(timeoutMs, MIN_WAIT_MS);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** `promise`, or an error naming `what` after `timeoutMs` (at least `MIN_WAIT_MS`, as `eventually`). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out waiting for ${what}`)),
      Math.max(timeoutMs, MIN_WAIT_MS),
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

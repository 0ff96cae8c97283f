import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { expectedBacklog, hasSs, listenBacklog } from "../tests/helpers/listen_backlog.ts";
import { createTransport } from "./listener.ts";

for (const kind of ["node", "deno"] as const) {
  Deno.test({
    name:
      `${kind} listener: listens with a backlog of LISTEN_BACKLOG as somaxconn caps it, not the runtime's 511`,
    ignore: !hasSs,
    async fn() {
      const listener = await createTransport(kind, 0).listen({
        port: 0,
        hostname: "127.0.0.1",
        reusePort: false,
        tls: null,
        fetch: () => new Response("ok"),
        logger: createMemoryLogger(),
        onFailed: (error) => {
          throw error;
        },
      });
      try {
        assertEquals(await listenBacklog(listener.port), await expectedBacklog());
      } finally {
        await listener.shutdown();
      }
    },
  });
}

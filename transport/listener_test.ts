import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { LISTEN_BACKLOG } from "./listen_backlog.ts";
import { createTransport } from "./listener.ts";

/** The backlog of the socket listening on `port`: the Send-Q `ss` shows for a LISTEN line. */
async function listenBacklog(port: number): Promise<number> {
  const out = await new Deno.Command("ss", { args: ["-Hltn", `sport = :${port}`], stdout: "piped" }).output();
  return Number(new TextDecoder().decode(out.stdout).trim().split(/\s+/)[2]);
}

const hasSs = Deno.build.os === "linux" &&
  await new Deno.Command("ss", { args: ["-V"], stdout: "null", stderr: "null" }).output().then(
    (out) => out.success,
    () => false,
  );

for (const kind of ["node", "deno"] as const) {
  Deno.test({
    name:
      `${kind} listener: listens with a backlog of LISTEN_BACKLOG as somaxconn caps it, not the runtime's 511`,
    ignore: !hasSs,
    async fn() {
      const somaxconn = Number((await Deno.readTextFile("/proc/sys/net/core/somaxconn")).trim());
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
        assertEquals(await listenBacklog(listener.port), Math.min(LISTEN_BACKLOG, somaxconn));
      } finally {
        await listener.shutdown();
      }
    },
  });
}

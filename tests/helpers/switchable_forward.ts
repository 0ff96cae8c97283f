/**
 * A port that forwards to the PostgreSQL test server while open and refuses connections while shut: a pool
 * behind it sees its connection attempts refused, as when the database is restarting.
 *
 * @example
 * ```ts ignore
 * const forward = switchableForward(new URL(SERVER_URL));
 * const sql = postgres(forward.url(SERVER_URL));
 * await forward.shut(); // every connection closed, new ones refused
 * forward.open();
 * await forward.close();
 * ```
 */
export function switchableForward(target: URL) {
  let listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const conns = new Set<Deno.Conn>();
  const pipes: Promise<unknown>[] = [];
  const serve = (l: Deno.Listener) =>
    (async () => {
      for await (const client of l) {
        const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port || 5432) });
        conns.add(client).add(server);
        pipes.push(
          client.readable.pipeTo(server.writable).catch(() => {}),
          server.readable.pipeTo(client.writable).catch(() => {}),
        );
      }
    })().catch(() => {});
  let serving = serve(listener);
  return {
    url(url: string): string {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    /** Closes every connection and refuses new ones. */
    async shut(): Promise<void> {
      try {
        listener.close();
      } catch {
        // shut already
      }
      await serving;
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed already
        }
      }
      conns.clear();
      await Promise.all(pipes.splice(0));
    },
    open(): void {
      listener = Deno.listen({ hostname: "127.0.0.1", port });
      serving = serve(listener);
    },
    async close(): Promise<void> {
      await this.shut();
    },
  };
}

/**
 * A TCP proxy to a server (PostgreSQL in the tests) that can freeze: from then on it forwards nothing either
 * way and closes nothing, and the connections opened meanwhile are accepted and never answered. A database
 * hung behind a network partition, or frozen, looks so to its clients: no refusal, no reset, no answer.
 *
 * @example
 * ```ts ignore
 * const proxy = freezingProxy(new URL(databaseUrl));
 * const url = proxy.url(databaseUrl); // the client connects through it
 * proxy.freeze();
 * // ... every query waits for ever
 * await proxy.close();
 * ```
 */
export function freezingProxy(target: URL) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const pumps: Promise<void>[] = [];
  let frozen = false;
  let closed = false;
  // Bytes read once frozen are held here until the proxy closes (then dropped, never delivered).
  const closing = Promise.withResolvers<void>();
  const pump = async (from: Deno.Conn, to: Deno.Conn) => {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        if (frozen) await closing.promise;
        if (closed) break;
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch {
      // a side closed: the other pump ends too
    } finally {
      try {
        await to.closeWrite();
      } catch {
        // already closed
      }
    }
  };
  const accepting = (async () => {
    for await (const client of listener) {
      conns.add(client);
      // A frozen server's kernel still accepts; nothing more happens on the connection.
      if (frozen) continue;
      const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port || 5432) });
      conns.add(server);
      pumps.push(pump(client, server), pump(server, client));
    }
  })();
  return {
    /** The URL of `url`'s database through the proxy. */
    url(url: string): string {
      const via = new URL(url);
      via.hostname = "127.0.0.1";
      via.port = String(listener.addr.port);
      return via.toString();
    },
    /** From now on nothing passes, on the connections open now and on new ones; nothing is closed. */
    freeze(): void {
      frozen = true;
    },
    /** Stops listening and closes every connection (the bytes held are dropped); idempotent. */
    async close(): Promise<void> {
      if (!closed) listener.close();
      closed = true;
      closing.resolve();
      await accepting;
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed by its pump
        }
      }
      conns.clear();
      await Promise.all(pumps);
    },
  };
}

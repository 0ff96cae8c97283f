/**
 * A TCP proxy to a server (PostgreSQL in the tests) that can lose the server's answers and then cut every
 * connection: a network that fails after a statement went out, so the client cannot tell whether it was
 * committed. New connections after the cut pass bytes as usual.
 *
 * @example
 * ```ts ignore
 * const proxy = answerLosingProxy(new URL(url));
 * proxy.loseAnswers();
 * // ... a statement runs and commits; its answer never reaches the client
 * proxy.cut();
 * ```
 */
export function answerLosingProxy(target: URL) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const pumps: Promise<void>[] = [];
  let losing = false;
  let closed = false;
  const pump = async (from: Deno.Conn, to: Deno.Conn, answers: boolean) => {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        if (answers && losing) continue;
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch {
      // a side closed (or was cut): the other pump ends too
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
      const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port || 5432) });
      conns.push(client, server);
      pumps.push(pump(client, server, false), pump(server, client, true));
    }
  })();
  const closeAll = () => {
    for (const c of conns.splice(0)) {
      try {
        c.close();
      } catch {
        // closed by its pump
      }
    }
  };
  return {
    /** The URL of `url`'s database through the proxy. */
    url(url: string): string {
      const via = new URL(url);
      via.hostname = "127.0.0.1";
      via.port = String(listener.addr.port);
      return via.toString();
    },
    /** From now on the server's bytes are dropped, on every connection open now or later. */
    loseAnswers(): void {
      losing = true;
    },
    /** Closes every connection; new ones pass everything again. */
    cut(): void {
      closeAll();
      losing = false;
    },
    /** Stops listening (connections are refused from now on) and closes every connection; idempotent. */
    async close(): Promise<void> {
      if (!closed) listener.close();
      closed = true;
      await accepting;
      closeAll();
      await Promise.all(pumps);
    },
  };
}

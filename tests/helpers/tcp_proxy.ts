/**
 * A TCP proxy to a server (PostgreSQL in the tests) whose network can fail on cue, the ways a database's
 * clients meet:
 * - `freeze()`: nothing passes either way and nothing is closed; connections opened meanwhile are accepted and
 *   never answered (a database hung behind a partition, or frozen: no refusal, no reset, no answer);
 * - `loseAnswers()` then `cut()`: the server's bytes are dropped, then every connection is closed (a network
 *   that fails after a statement went out: the client cannot tell whether it was committed); connections
 *   opened after the cut pass bytes as usual.
 * - `loseNextCommitAnswer()`: the next answer that says COMMIT (a transaction the server has committed) is
 *   dropped and its connection closed: the client's commit failed, its data is stored.
 * - `delayAnswers(ms)`: the server's bytes reach the client `ms` late (a slow link): the server meanwhile sees
 *   its session idle;
 * - `holdAnswers()`: the server's bytes are kept until the returned release, then delivered at once (a client
 *   whose event loop stalled reads all that came meanwhile, a close included, in one go).
 * - `delayNewConnections(ms)`: a connection opened from now on reaches the server `ms` late (a CancelRequest,
 *   sent on a connection of its own, that a busy host or network holds up): open ones pass as usual.
 *
 * @example
 * ```ts ignore
 * const proxy = tcpProxy(new URL(databaseUrl));
 * const url = proxy.url(databaseUrl); // the client connects through it
 * proxy.freeze();
 * // ... every query waits for ever
 * await proxy.close();
 * ```
 */
export function tcpProxy(target: URL) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const pumps: Promise<void>[] = [];
  let frozen = false;
  let losing = false;
  let closed = false;
  let commitsToLose = 0;
  let answersDelayMs = 0;
  let connectDelayMs = 0;
  /** While answers are held: the release that delivers them (every pump holding waits for it). */
  let holding: Promise<void> | null = null;
  /** Resolved with each COMMIT answer dropped. */
  const commitLost: (() => void)[] = [];
  // Bytes read once frozen are held here until the proxy closes (then dropped, never delivered).
  const closing = Promise.withResolvers<void>();
  const pump = async (from: Deno.Conn, to: Deno.Conn, answers: boolean) => {
    const buf = new Uint8Array(64 * 1024);
    let dropping = false;
    /** This connection's answers held (`holdAnswers`), and their write once released. */
    const held: Uint8Array[] = [];
    let flushed: Promise<void> | null = null;
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        if (frozen) await closing.promise;
        if (closed) break;
        if (answers && losing) continue;
        if (answers && commitsToLose > 0 && holdsCommitComplete(buf.subarray(0, n))) {
          commitsToLose--;
          dropping = true;
          break;
        }
        if (answers && answersDelayMs > 0) await new Promise((r) => setTimeout(r, answersDelayMs));
        if (answers && holding) {
          // Delivered in one write once released: the client reads it all in one go.
          held.push(buf.slice(0, n));
          flushed ??= holding.then(() => writeAll(to, concat(held.splice(0))));
          continue;
        }
        if (flushed) await flushed;
        flushed = null;
        await writeAll(to, buf.subarray(0, n));
      }
    } catch {
      // a side closed (or was cut): the other pump ends too
    } finally {
      // What was held reaches the client before its close.
      await flushed?.catch(() => {});
      if (dropping) {
        // Both sockets of this connection: the client sees it closed, never the COMMIT's answer.
        for (const c of [from, to]) {
          try {
            c.close();
          } catch {
            // closed already
          }
        }
        commitLost.shift()?.();
      }
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
      const connect = async () => {
        const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port || 5432) });
        conns.add(server);
        pumps.push(pump(client, server, false), pump(server, client, true));
      };
      if (connectDelayMs === 0) {
        await connect();
        continue;
      }
      const delayMs = connectDelayMs;
      pumps.push((async () => {
        await new Promise((r) => setTimeout(r, delayMs));
        if (!closed) await connect();
        if (closed) closeAll(); // connected while the proxy closed
      })());
    }
  })();
  function closeAll(): void {
    for (const c of conns) {
      try {
        c.close();
      } catch {
        // closed by its pump
      }
    }
    conns.clear();
  }
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
    /** From now on the server's bytes are dropped, on every connection open now or later. */
    loseAnswers(): void {
      losing = true;
    },
    /**
     * The next answer of the server that completes a COMMIT is dropped and its connection closed (both ways);
     * resolves once that happened.
     */
    loseNextCommitAnswer(): Promise<void> {
      commitsToLose++;
      const { promise, resolve } = Promise.withResolvers<void>();
      commitLost.push(resolve);
      return promise;
    },
    /** From now on the server's bytes are delivered `ms` late, on every connection (0: at once again). */
    delayAnswers(ms: number): void {
      answersDelayMs = ms;
    },
    /** From now on the server's bytes are kept; the returned function delivers them, and passes later ones. */
    holdAnswers(): () => void {
      const { promise, resolve } = Promise.withResolvers<void>();
      holding = promise;
      return () => {
        holding = null;
        resolve();
      };
    },
    /** From now on a new connection reaches the server `ms` late (0: at once again). */
    delayNewConnections(ms: number): void {
      connectDelayMs = ms;
    },
    /** Closes every connection; new ones pass everything again. */
    cut(): void {
      closeAll();
      losing = false;
    },
    /** Stops listening and closes every connection (the bytes held are dropped); idempotent. */
    async close(): Promise<void> {
      if (!closed) listener.close();
      closed = true;
      closing.resolve();
      await accepting;
      closeAll();
      await Promise.all(pumps);
    },
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return all;
}

async function writeAll(to: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await to.write(bytes.subarray(off));
}

/** `C`, length 11, "COMMIT\0": PostgreSQL's CommandComplete of a COMMIT (a message split across reads is missed). */
const COMMIT_COMPLETE = new Uint8Array([0x43, 0, 0, 0, 11, ...new TextEncoder().encode("COMMIT"), 0]);

function holdsCommitComplete(bytes: Uint8Array): boolean {
  outer: for (let i = 0; i + COMMIT_COMPLETE.length <= bytes.length; i++) {
    for (let k = 0; k < COMMIT_COMPLETE.length; k++) {
      if (bytes[i + k] !== COMMIT_COMPLETE[k]) continue outer;
    }
    return true;
  }
  return false;
}

import { assertEquals } from "@std/assert";
import { AcceptQueue, listenLines } from "./accept_queue.ts";

const HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

Deno.test("listenLines() reads the LISTEN lines at the start of a table and stops at the first other one", () => {
  const text = HEADER +
    "   0: 0100007F:0BB9 00000000:0000 0A 00000000:00000007 00:00000000 00000000  1000        0 4242 1 0\n" +
    "   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0\n" +
    "   2: 0100007F:0BB9 0100007F:D2B4 01 00000000:00000000 00:00000000 00000000  1000        0 4444 1 0\n";
  assertEquals(listenLines(text), {
    lines: [{ port: 3001, queued: 7, inode: "4242" }, { port: 8080, queued: 0, inode: "4343" }],
    complete: true,
  });
  // Cut in the middle of a line: that line waits for more text.
  const cut = text.slice(0, text.indexOf("4343") + 2);
  assertEquals(listenLines(cut), { lines: [{ port: 3001, queued: 7, inode: "4242" }], complete: false });
});

Deno.test("AcceptQueue counts the connections the kernel holds for this process's listener, not another's on the port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, reusePort: true });
  const { port } = listener.addr as Deno.NetAddr;
  const queue = await AcceptQueue.open(port);
  // Another listener on the same port (SO_REUSEPORT), as a second worker: its queue is not ours.
  const other = Deno.listen({ hostname: "127.0.0.1", port, reusePort: true });
  const conns: Deno.Conn[] = [];
  try {
    if (!queue) throw new Error("The listener's queue was not found");
    assertEquals(await queue.queued(), 0);
    for (let i = 0; i < 40; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    // Nobody accepts: the kernel spread the 40 over both listeners; ours is one of them.
    const ours = await queue.queued();
    const total = 40;
    if (ours === null || ours === 0 || ours >= total) throw new Error(`queued ${ours} of ${total}`);
    const accepted = await listener.accept();
    assertEquals(await queue.queued(), ours - 1);
    accepted.close();
  } finally {
    for (const c of conns) c.close();
    queue?.close();
    listener.close();
    other.close();
  }
});

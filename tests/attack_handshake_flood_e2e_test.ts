/**
 * Issue 10 item 9 (refused handshakes), as a flooder would try it: hundreds of bad upgrades from one address
 * (no upgrade header: 426, a bad id or subprotocol: 400, a wrong path: 404). Each used to cost a log line and a
 * handshake-log entry. Now a source gets HANDSHAKE_REFUSAL_BURST of them out loud, then one summary line, and
 * its cheap refusals are answered 429 with Retry-After; a valid handshake from the same address still works,
 * and another address keeps its own budget.
 */
import { assert, assertEquals } from "@std/assert";
import { attempt } from "./helpers/secure_station.ts";
import { startTestServer } from "./helpers/server.ts";

const FLOODER = "127.0.0.2";

Deno.test("a flood of bad handshakes from one address is throttled: a few log lines, then 429, valid ones still open", async () => {
  const server = await startTestServer({ HANDSHAKE_REFUSAL_BURST: "10", HANDSHAKE_REFUSAL_RATE: "0.5" });
  const client = Deno.createHttpClient({ localAddress: FLOODER });
  try {
    const statuses: number[] = [];
    const upgrade = async (path: string, protocols: string[], from = FLOODER) => {
      const a = await attempt(
        `ws://127.0.0.1:${server.port}${path}`,
        { localAddress: from } as Record<string, unknown>,
        protocols,
      );
      if (a.open) {
        await a.close();
        return { status: 101, retryAfter: undefined };
      }
      return { status: a.status, retryAfter: a.headers["retry-after"] };
    };
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      const plain = await fetch(`${server.url}/ocpp/CP-${i}`, { client });
      await plain.body?.cancel();
      statuses.push(plain.status);
      statuses.push((await upgrade(`/ocpp/CP-${i}`, ["not-ocpp"])).status);
      statuses.push((await upgrade(`/elsewhere/CP-${i}`, ["ocpp1.6"])).status);
    }
    // The budget refills at 0.5 per second: a loop slowed by a busy machine earns that many more refusals out
    // loud, and no more.
    const refilled = Math.ceil(((performance.now() - started) / 1000) * 0.5);
    // The first ten out loud, with their own status; then 429 with Retry-After.
    assertEquals(statuses.slice(0, 10), [426, 400, 404, 426, 400, 404, 426, 400, 404, 426]);
    const later = statuses.slice(20);
    const heard = later.filter((s) => s !== 429).length;
    assert(heard <= refilled, `${heard} refusals heard after the burst, ${refilled} refilled: ${later}`);
    const throttled = await upgrade("/ocpp/CP-X", ["not-ocpp"]);
    assertEquals(throttled.status, 429);
    assert(Number(throttled.retryAfter) >= 1);

    const lines = server.logs.filter((l) => l.msg === "handshake refused" && l.remoteAddress === FLOODER);
    assert(lines.length <= 12 + refilled, `${lines.length} log lines for the flood`);
    const summaries = server.logs.filter((l) => l.msg === "handshake refusals throttled");
    assertEquals(summaries.length, 1);
    assertEquals(summaries[0]?.source, FLOODER);
    assert(server.handshakes.list().filter((h) => h.remoteAddress === FLOODER).length <= 12 + refilled);

    // A real station behind the same address is not held back: only refusals are throttled.
    assertEquals((await upgrade("/ocpp/CP-REAL", ["ocpp1.6"])).status, 101);
    // Another address has its own budget, and is heard.
    assertEquals((await upgrade("/ocpp/CP-1", ["not-ocpp"], "127.0.0.3")).status, 400);
    assert(server.logs.some((l) => l.msg === "handshake refused" && l.remoteAddress === "127.0.0.3"));
  } finally {
    client.close();
    await server.close();
  }
});

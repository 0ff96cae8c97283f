/**
 * The library peer of `deno task bench --peers`: an npm `ocpp-rpc` server in strict mode (every CALL and every
 * answer checked against the official OCPP 1.6 JSON schemas), with a handler per action the load generator
 * sends, storing nothing. What a message costs in a validating OCPP library, without a database.
 *
 *   PORT=9000 deno run -A bench/peers/ocpp_rpc.ts
 */
import { createServer } from "node:http";
import process from "node:process";
import { RPCServer } from "ocpp-rpc";
import { LISTEN_BACKLOG } from "../../transport/listen_backlog.ts";
import { installLoopLagProbe } from "../loop_lag.ts";
import { installMemoryProbe } from "../memory_probe.ts";
import { listeningLine, PEER_ACTIONS, peerAnswer } from "./answers.ts";

interface RpcClient {
  handle(method: string, handler: (call: { params: unknown }) => unknown): void;
}

/** The private parts of ocpp-rpc's server-side client that `keepEarlyFrames` needs. */
interface RpcClientInternals {
  _ws?: {
    on(event: "message", listener: (data: unknown) => void): void;
    off(event: "message", listener: (data: unknown) => void): void;
    listenerCount(event: string): number;
  };
  _onMessage?(data: unknown): void;
}

/**
 * ocpp-rpc attaches its frame listener one `process.nextTick` after the connection. Under Deno the first CALL
 * of a station that sends it right after the handshake can arrive before that (in the upgrade's `head`), and
 * ocpp-rpc then never sees it: measured, ~5% of BootNotifications unanswered at 200 connections at once. This
 * shim (private API, peer only) holds such early frames and hands them to ocpp-rpc once it listens, so the
 * benchmark measures the library and not the race.
 */
function keepEarlyFrames(client: RpcClientInternals): void {
  const ws = client._ws;
  if (!ws || !client._onMessage) return;
  const early: unknown[] = [];
  const hold = (data: unknown) => {
    // ocpp-rpc's own listener is there too from now on: it has seen this frame.
    if (ws.listenerCount("message") === 1) early.push(data);
  };
  ws.on("message", hold);
  // Queued after ocpp-rpc's own nextTick, so its listener is attached by then.
  process.nextTick(() => {
    ws.off("message", hold);
    for (const data of early) client._onMessage!(data);
  });
}

export function createOcppRpcPeer(): RPCServer {
  // ocpp-rpc's typings mark every option required; the omitted ones have documented defaults.
  const server = new RPCServer(
    {
      protocols: ["ocpp1.6"],
      strictMode: true,
      // As our server's default PING_INTERVAL_S (ocpp-rpc's own default is 30 s).
      pingIntervalMs: 60_000,
    } as ConstructorParameters<typeof RPCServer>[0],
  );
  let transactionId = 0;
  server.on("client", (client: RpcClient) => {
    keepEarlyFrames(client as unknown as RpcClientInternals);
    for (const action of PEER_ACTIONS) {
      client.handle(action, () => peerAnswer(action, new Date(), ++transactionId));
    }
  });
  return server;
}

if (import.meta.main) {
  installMemoryProbe();
  installLoopLagProbe();
  const server = createOcppRpcPeer();
  // ocpp-rpc's own `listen` takes no backlog (node's default, 511): its documented way to bring our own HTTP
  // server, listening with the same backlog as ours, so a boot at 2,000 connects/s compares like with like.
  const http = createServer({ noDelay: true }, (_request, response) => {
    response.writeHead(404).end();
  });
  http.on("upgrade", server.handleUpgrade);
  http.listen({
    port: Number(Deno.env.get("PORT") ?? 0),
    host: Deno.env.get("HOSTNAME") ?? "127.0.0.1",
    backlog: LISTEN_BACKLOG,
  }, () => console.log(listeningLine((http.address() as { port: number }).port)));
}

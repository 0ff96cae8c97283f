/**
 * An experiment beside `raw_deno.ts`: the same bare echo (parse each CALL, answer a fixed CALLRESULT for its
 * action, store nothing), but on npm `ws` over `node:http` inside Deno instead of `Deno.serve` +
 * `Deno.upgradeWebSocket`. It answers one question: how much native memory per held connection each socket
 * layer costs on Deno (ocpp-rpc runs on `ws` too). Not one of the benchmark's peers; start it with
 * `scratch`-style runs or by hand:
 *
 *   PORT=9000 deno run -A --v8-flags=--expose-gc bench/peers/raw_ws_node.ts
 */
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { installLoopLagProbe } from "../loop_lag.ts";
import { installMemoryProbe } from "../memory_probe.ts";
import { listeningLine, PEER_ACTIONS, peerAnswer } from "./answers.ts";

/** The part of a `ws` socket this peer uses (the package ships no types). */
interface WsSocket {
  on(event: "message", listener: (data: Buffer) => void): void;
  send(data: string): void;
}

export function serveRawWs(port: number, hostname: string, onListen: (port: number) => void): void {
  const now = new Date();
  const answers = new Map<string, string>(
    PEER_ACTIONS.map((action) => [action, JSON.stringify(peerAnswer(action, now, 1))]),
  );
  const http = createServer((_request, response) => {
    response.writeHead(404).end("Not found");
  });
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols: Set<string>) => protocols.has("ocpp1.6") ? "ocpp1.6" : false,
  });
  http.on("upgrade", (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws: WsSocket) => {
      ws.on("message", (data: Buffer) => {
        let frame: unknown;
        try {
          frame = JSON.parse(data.toString());
        } catch {
          return;
        }
        if (!Array.isArray(frame) || frame[0] !== 2) return;
        const id = JSON.stringify(frame[1]);
        const answer = answers.get(frame[2]);
        ws.send(answer ? `[3,${id},${answer}]` : `[4,${id},"NotImplemented","",{}]`);
      });
    });
  });
  http.listen(port, hostname, () => {
    const address = http.address();
    onListen(typeof address === "object" && address ? address.port : port);
  });
}

if (import.meta.main) {
  installMemoryProbe();
  installLoopLagProbe();
  serveRawWs(
    Number(Deno.env.get("PORT") ?? 0),
    Deno.env.get("HOSTNAME") ?? "127.0.0.1",
    (port) => console.log(listeningLine(port)),
  );
}

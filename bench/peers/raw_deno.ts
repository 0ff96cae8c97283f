/**
 * The floor of `deno task bench --peers`: a bare Deno WebSocket server (`Deno.serve` +
 * `Deno.upgradeWebSocket`, subprotocol `ocpp1.6`) that answers each CALL with a fixed CALLRESULT for its
 * action. It parses each frame (to find the message id and the action) and validates and stores nothing:
 * what a message costs before any OCPP work.
 *
 *   PORT=9000 deno run -A bench/peers/raw_deno.ts
 */
import { LISTEN_BACKLOG } from "../../transport/listen_backlog.ts";
import { installLoopLagProbe } from "../loop_lag.ts";
import { installMemoryProbe } from "../memory_probe.ts";
import { listeningLine, PEER_ACTIONS, peerAnswer } from "./answers.ts";

export interface RawServerOptions {
  port: number;
  hostname: string;
  onListen?: (addr: Deno.NetAddr) => void;
}

export function serveRaw(options: RawServerOptions): Deno.HttpServer<Deno.NetAddr> {
  // Built once: every answer is the same string (Heartbeat's currentTime is the start-up time).
  const now = new Date();
  const answers = new Map<string, string>(
    PEER_ACTIONS.map((action) => [action, JSON.stringify(peerAnswer(action, now, 1))]),
  );
  return Deno.serve({
    port: options.port,
    hostname: options.hostname,
    // As our server's: a peer's boot time must not carry SYN retries ours no longer has.
    tcpBacklog: LISTEN_BACKLOG,
    onListen: options.onListen ?? (() => {}),
  }, (request) => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Not found", { status: 404 });
    }
    const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    if (!offered.includes("ocpp1.6")) return new Response("Subprotocol ocpp1.6 required", { status: 400 });
    const { socket, response } = Deno.upgradeWebSocket(request, { protocol: "ocpp1.6" });
    socket.onmessage = (event) => {
      let frame: unknown;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!Array.isArray(frame) || frame[0] !== 2) return;
      const id = JSON.stringify(frame[1]);
      const answer = answers.get(frame[2]);
      socket.send(answer ? `[3,${id},${answer}]` : `[4,${id},"NotImplemented","",{}]`);
    };
    return response;
  });
}

if (import.meta.main) {
  installMemoryProbe();
  installLoopLagProbe();
  serveRaw({
    port: Number(Deno.env.get("PORT") ?? 0),
    hostname: Deno.env.get("HOSTNAME") ?? "127.0.0.1",
    onListen: ({ port }) => console.log(listeningLine(port)),
  });
}
